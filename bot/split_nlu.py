"""Split nlu_data into training and held-out parts, block by block, keeping each block's metadata
(Rasa's own `rasa data split nlu` merges intent blocks and so loses the consultation area).

Usage: python -m bot.split_nlu NLU_DIR OUT_DIR [HELD_OUT_FRACTION] [SEED]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml


def split(nlu_dir: Path, out_dir: Path, fraction: float = 0.2, seed: int = 7) -> None:
    rng = random.Random(seed)
    parts: dict[str, list[dict[str, object]]] = {"train": [], "test": []}
    for path in sorted(nlu_dir.rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" not in block:
                continue
            examples = [line[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- ")]
            rng.shuffle(examples)
            cut = max(1, round(len(examples) * fraction))
            for name, chosen in (("test", examples[:cut]), ("train", examples[cut:])):
                part = {key: value for key, value in block.items() if key != "examples"}
                part["examples"] = "".join(f"- {text}\n" for text in chosen)
                parts[name].append(part)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, blocks in parts.items():
        document = {"version": "3.1", "nlu": blocks}
        (out_dir / f"{name}.yml").write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    split(Path(sys.argv[1]), Path(sys.argv[2]), *(float(a) for a in sys.argv[3:4]), *(int(a) for a in sys.argv[4:5]))
