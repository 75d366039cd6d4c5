"""A draft worth approving: a point the shipped knowledge base does not answer (a village road
built over a family's plot, nothing paid), with a citation the statute library holds."""

from __future__ import annotations

from typing import Any

from casebook.entry_draft import EntryDraft

ROAD_QUESTIONS = [
    "村里修路占了我家的自留地，补偿该找谁要",
    "村委会修村道占用我家承包地，一直没给钱怎么办",
    "集体修路占了农户的地给不给补偿",
    "修路把我家地占了不给补偿找哪个部门",
]
ROAD_ANSWER = (
    "村里修路占用村民的自留地、承包地，应当给予补偿：经过依法征收的，应当及时足额支付土地补偿费、"
    "安置补助费以及地上附着物和青苗的补偿费用。先找村民委员会和乡镇人民政府问清占地的批准文件和补偿方案；"
    "协商不成，可以申请人民调解，也可以依法申请行政复议或者提起诉讼。"
)


def road_draft(**changes: Any) -> EntryDraft:
    data: dict[str, Any] = {
        "area": "拆迁安置",
        "sub_area": "修路占地补偿",
        "questions": ROAD_QUESTIONS,
        "answer": ROAD_ANSWER,
        "citations": [{"law": "土地管理法", "article": "第四十八条", "keywords": ["补偿", "青苗"]}],
        "route": "mediation",
    }
    return EntryDraft.model_validate({**data, **changes})
