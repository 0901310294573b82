"""Behaviours of the social flows with state: playlists and their editors, and messaging.

Rules come from content.mdx, social.mdx, messaging.mdx and the error catalogue: editors of a
collaborative playlist can change its tracks, at most 10 editors, invitations last 7 days;
only participants read or write a conversation; messages are recorded in the outbox, never
delivered.
"""

from __future__ import annotations

from typing import Any

from ._behaviours import FORBIDDEN, Call, behaviour
from ._store import Record
from ._validation import RequestError

MAX_EDITORS = 10
INVITE_SECONDS = 7 * 86_400


def _playlist(call: Call, *, edit: bool = False, own: bool = False) -> Record:
    playlist = call.record("Playlist")
    if own and playlist.get("_owner") != call.user_id:
        raise call.fail(403, FORBIDDEN)
    if edit and not call.mine(playlist):
        raise call.fail(403, FORBIDDEN)
    if not playlist.get("public", True) and not call.mine(playlist):
        raise call.fail(403, FORBIDDEN)
    return playlist


def _track_ids(call: Call, key: str = "ids") -> list[int]:
    ids = call.body_get(key) or []
    unknown = [i for i in ids if call.store.get("Track", i) is None]
    if unknown:
        message = f"The selected {key} are invalid."
        raise call.fail(422, message, {key: [f"Unknown track id {i}." for i in unknown]})
    return [int(i) for i in ids]


@behaviour("playlists.follow")
def _follow(call: Call) -> int:
    playlist = _playlist(call)
    call.store.edges["follow_playlist"].add((call.user_id, playlist["id"]))
    call.store.touch()
    return call.success


@behaviour("playlists.unfollow")
def _unfollow(call: Call) -> int:
    edge = (call.user_id, _playlist(call)["id"])
    missing = "Not following this playlist."
    return call.set_edge("follow_playlist", edge, False, exists="", missing=missing)


@behaviour("playlists.tracks.add")
def _add_tracks(call: Call) -> int:
    playlist = _playlist(call, edit=True)
    ids = _track_ids(call)
    present = [i for i in ids if i in playlist["tracks"]]
    if present:
        raise call.fail(409, f"Track already in playlist: {present[0]}.")
    playlist["tracks"].extend(ids)
    call.store.touch()
    return call.success


@behaviour("playlists.tracks.remove")
def _remove_tracks(call: Call) -> int:
    playlist = _playlist(call, edit=True)
    ids = _track_ids(call)
    missing = [i for i in ids if i not in playlist["tracks"]]
    if missing:
        raise call.fail(404, f"Track {missing[0]} is not in this playlist.")
    playlist["tracks"] = [t for t in playlist["tracks"] if t not in ids]
    call.store.touch()
    return call.success


@behaviour("playlists.tracks.order")
def _order(call: Call) -> int:
    playlist = _playlist(call, edit=True)
    ids = _track_ids(call)
    if sorted(ids) != sorted(playlist["tracks"]):
        message = "The ids must list every track of the playlist exactly once."
        raise call.fail(422, message, {"ids": [message]})
    playlist["tracks"] = ids
    call.store.touch()
    return call.success


@behaviour("playlists.invite")
def _invite(call: Call) -> int:
    playlist = _playlist(call, own=True)
    user_id = call.body_record("User", "user_id")["id"]
    if user_id == call.user_id:
        message = "You cannot invite yourself."
        raise call.fail(422, message, {"user_id": [message]})
    invites: dict[Any, float] = playlist.setdefault("_invites", {})
    if user_id in invites or user_id in playlist.get("_editors", []):
        raise call.fail(409, "Already invited.")
    if len(playlist.get("_editors", [])) + len(invites) >= MAX_EDITORS:
        raise RequestError(429, "Max editors reached.", retry_after=0)
    invites[user_id] = call.now
    call.store.touch()
    return call.success


def _pending_invite(call: Call) -> tuple[Record, float]:
    playlist = call.record("Playlist")
    sent = playlist.get("_invites", {}).get(call.user_id)
    if sent is None:
        raise call.fail(404, "Invitation not found.")
    return playlist, sent


@behaviour("playlists.accept_invite")
def _accept(call: Call) -> int:
    playlist, sent = _pending_invite(call)
    del playlist["_invites"][call.user_id]
    if call.now - sent > INVITE_SECONDS:
        call.store.touch()
        raise call.fail(410, "Invitation expired.")
    playlist.setdefault("_editors", []).append(call.user_id)
    playlist["collaborative"] = True
    call.store.touch()
    return call.success


@behaviour("playlists.decline_invite")
def _decline(call: Call) -> int:
    playlist, _ = _pending_invite(call)
    del playlist["_invites"][call.user_id]
    call.store.touch()
    return call.success


@behaviour("playlists.remove_editor")
def _remove_editor(call: Call) -> int:
    playlist = _playlist(call, own=True)
    user_id = call.body_get("user_id")
    if user_id not in playlist.get("_editors", []):
        raise call.fail(404, "That user is not an editor of this playlist.")
    playlist["_editors"].remove(user_id)
    call.store.touch()
    return call.success


# -- messaging --------------------------------------------------------------------------------


def _conversation(call: Call, key: Any = None) -> Record:
    conversation = (
        call.ctx.records.get("Conversation") if key is None else call.store.get("Conversation", key)
    )
    if conversation is None:
        raise call.fail(404, "Conversation not found.")
    if call.user_id not in conversation.get("_members", ()):
        raise call.fail(403, "Not a participant.")
    call.ctx.records["Conversation"] = conversation
    return conversation


def _messages(call: Call, conversation: Record) -> list[Record]:
    return sorted(
        (m for m in call.store.all("Message") if m.get("conversation_id") == conversation["id"]),
        key=lambda m: m["id"],
    )


def _unread(call: Call, message: Record) -> bool:
    return message["user"]["id"] != call.user_id and not any(
        r.get("user_id") == call.user_id for r in message.get("read_by", [])
    )


def _refresh(call: Call, conversation: Record) -> None:
    messages = _messages(call, conversation)
    last = messages[-1] if messages else None
    conversation["last_message"] = (
        {"id": last["id"], "message_text": last["message_text"], "created_at": last["created_at"]}
        if last
        else None
    )
    conversation["unread_count"] = sum(_unread(call, m) for m in messages)
    call.store.touch()


def _send(call: Call, conversation: Record, text: str) -> Record:
    sender = call.store.get("User", call.user_id) or {"id": call.user_id, "display_name": "you"}
    message = call.store.add(
        "Message",
        {
            "model_type": "message",
            "message_text": text,
            "conversation_id": conversation["id"],
            "user": {"id": sender["id"], "name": sender["display_name"]},
            "created_at": call.iso(),
            "read_by": [],
            "_owner": call.user_id,
        },
    )
    for member in conversation["_members"]:
        if member != call.user_id:
            call.note_side_effect(
                to_user_id=member,
                conversation_id=conversation["id"],
                message_id=message["id"],
                text=text,
            )
    _refresh(call, conversation)
    return message


@behaviour("messaging.conversations.list")
def _conversations(call: Call) -> int:
    mine = [c for c in call.store.all("Conversation") if call.user_id in c.get("_members", ())]
    for conversation in mine:
        conversation["unread_count"] = sum(_unread(call, m) for m in _messages(call, conversation))
    call.ctx.collections["Conversation"] = mine[: int(call.query.get("limit") or 20)]
    return call.success


@behaviour("messaging.conversations.start")
def _start(call: Call) -> int:
    recipients = call.body_get("user_ids") or (
        [call.body_get("user_id")] if call.body_get("user_id") else []
    )
    if not recipients:
        raise call.fail(
            422, "The user id field is required.", {"user_id": ["The user id field is required."]}
        )
    if call.user_id in recipients:
        raise call.fail(
            422, "You cannot message yourself.", {"user_id": ["You cannot message yourself."]}
        )
    users = [call.store.get("User", r) for r in recipients]
    if any(u is None for u in users):
        raise call.fail(404, "Recipient not found.")
    members = [call.user_id, *(u["id"] for u in users if u)]
    conversation = call.store.add(
        "Conversation",
        {
            "model_type": "conversation",
            "type": "group" if len(members) > 2 else "direct",
            "participants": [
                {"id": m, "name": (call.store.get("User", m) or {}).get("display_name", "")}
                for m in members
            ],
            "last_message": None,
            "unread_count": 0,
            "_members": members,
            "_owner": call.user_id,
        },
    )
    text = call.body_get("message_text") or ""
    message = _send(call, conversation, text) if text else None
    call.ctx.values["data.conversation.id"] = conversation["id"]
    call.ctx.values["data.conversation.type"] = conversation["type"]
    if message is not None:
        for key in ("id", "message_text", "created_at"):
            call.ctx.values[f"data.message.{key}"] = message[key]
    return call.success


@behaviour("messaging.messages.create")
def _message(call: Call) -> int:
    conversation = _conversation(call, call.body_get("conversation_id"))
    call.ctx.records["Message"] = _send(call, conversation, call.body_get("message_text") or "")
    return call.success


@behaviour("messaging.conversations.delete")
def _delete_conversation(call: Call) -> int:
    conversation = _conversation(call)
    for message in _messages(call, conversation):
        call.store.delete("Message", message["id"])
    call.store.delete("Conversation", conversation["id"])
    return call.success


@behaviour(
    "messaging.conversations.messages.list", "messaging.conversations.messages_with_receipts.list"
)
def _list_messages(call: Call) -> int:
    conversation = _conversation(call)
    offset, limit = int(call.query.get("offset") or 0), int(call.query.get("limit") or 50)
    call.ctx.collections["Message"] = _messages(call, conversation)[offset : offset + limit]
    return call.success


def _mark(call: Call, messages: list[Record], read: bool) -> None:
    for message in messages:
        receipts = [r for r in message.get("read_by", []) if r.get("user_id") != call.user_id]
        if read and message["user"]["id"] != call.user_id:
            receipts.append({"user_id": call.user_id, "read_at": call.iso()})
        message["read_by"] = receipts


@behaviour("messaging.conversations.read", "messaging.conversations.unread")
def _read_conversation(call: Call) -> int:
    conversation = _conversation(call)
    _mark(call, _messages(call, conversation), call.op.id.endswith(".read"))
    _refresh(call, conversation)
    return call.success


@behaviour("messaging.messages.read")
def _read_message(call: Call) -> int:
    message = call.record("Message")
    conversation = _conversation(call, message.get("conversation_id"))
    _mark(call, [message], True)
    _refresh(call, conversation)
    return call.success


@behaviour("messaging.unread_count.show")
def _unread_count(call: Call) -> int:
    count = 0
    for conversation in call.store.all("Conversation"):
        if call.user_id in conversation.get("_members", ()):
            count += sum(_unread(call, m) for m in _messages(call, conversation))
    call.ctx.values["data.unread_count"] = count
    return call.success


@behaviour(
    "messaging.conversations.typing",
    "messaging.conversations.typing.show",
)
def _typing(call: Call) -> int:
    _conversation(call)
    if call.op.method == "POST":
        call.note_side_effect(conversation_id=call.ctx.records["Conversation"]["id"])
    return call.success
