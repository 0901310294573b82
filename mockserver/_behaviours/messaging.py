"""Messaging (messaging.mdx): only participants read or write a conversation; messages are
recorded in the outbox, never delivered; unread counts and read marks agree with the
messages. Deleting a conversation hides it for the caller only (a new message in it brings it
back); a pair of users has one direct conversation (``messaging.one_direct_conversation_per_pair``);
lists are ordered by most recent activity."""

from __future__ import annotations

from typing import Any

from .._store import Record
from ._call import Call, behaviour
from .social import user_followed

behaviour("messaging.followed_users.list")(user_followed)


def _conversation(call: Call, key: Any = None) -> Record:
    conversation = (
        call.ctx.records.get("Conversation") if key is None else call.store.get("Conversation", key)
    )
    if conversation is None:
        raise call.fail(404, "Conversation not found.")
    if call.user_id not in conversation.get("_members", ()):
        raise call.fail(403, "Not a participant.")
    if call.user_id in conversation.get("_hidden", ()):
        raise call.fail(404, "Conversation not found.")  # the caller deleted it
    call.ctx.records["Conversation"] = conversation
    return conversation


def _visible(call: Call) -> list[Record]:
    """The caller's conversations (not the ones they deleted), most recent activity first."""
    mine = [
        c
        for c in call.store.all("Conversation")
        if call.user_id in c.get("_members", ()) and call.user_id not in c.get("_hidden", ())
    ]
    return sorted(mine, key=_activity, reverse=True)


def _activity(conversation: Record) -> tuple[str, int]:
    last = conversation.get("last_message") or {}
    return (str(last.get("created_at") or conversation.get("created_at") or ""), conversation["id"])


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
    conversation["_hidden"] = []  # a new message brings it back for whoever had deleted it
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
    mine = _visible(call)
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
    existing = _direct_between(call, members) if len(members) == 2 else None
    conversation = existing or call.store.add(
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


def _direct_between(call: Call, members: list[Any]) -> Record | None:
    if not call.rule("messaging.one_direct_conversation_per_pair"):
        return None
    pair = set(members)
    return next(
        (
            c
            for c in call.store.all("Conversation")
            if c.get("type") == "direct" and set(c.get("_members", ())) == pair
        ),
        None,
    )


@behaviour("messaging.messages.create")
def _message(call: Call) -> int:
    conversation = _conversation(call, call.body_get("conversation_id"))
    call.ctx.records["Message"] = _send(call, conversation, call.body_get("message_text") or "")
    return call.success


@behaviour("messaging.conversations.delete")
def _delete_conversation(call: Call) -> int:
    conversation = _conversation(call)
    hidden = conversation["_hidden"] = [*conversation.get("_hidden", ()), call.user_id]
    if set(hidden) >= set(conversation["_members"]):  # nobody sees it any more: gone
        for message in _messages(call, conversation):
            call.store.delete("Message", message["id"])
        call.store.delete("Conversation", conversation["id"])
    call.store.touch()
    call.ctx.values["message"] = "Conversation deleted."
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
    count = sum(
        _unread(call, m) for conversation in _visible(call) for m in _messages(call, conversation)
    )
    call.ctx.values["data.unread_count"] = count
    return call.success


@behaviour("messaging.conversations.typing")
def _typing(call: Call) -> int:
    conversation = _conversation(call)
    call.note_side_effect(conversation_id=conversation["id"])
    conversation.setdefault("_typing", {})[call.user_id] = call.now
    call.store.touch()
    return call.success


@behaviour("messaging.conversations.typing.show")
def _who_is_typing(call: Call) -> int:
    """The other participants who said they were typing within ``messaging.typing_seconds``."""
    conversation = _conversation(call)
    window = float(call.rule("messaging.typing_seconds"))
    typing = conversation.get("_typing", {})
    names = {p["id"]: p["name"] for p in conversation.get("participants", [])}
    call.ctx.values["data.typing_users"] = [
        {"id": user, "name": names.get(user, "")}
        for user, at in sorted(typing.items())
        if user != call.user_id and call.now - at <= window
    ]
    return call.success


@behaviour("messaging.search_users")
def _search_users(call: Call) -> int:
    """The users the caller can start a conversation with: everyone but the caller (the docs
    give this search no parameter, and one cannot message oneself)."""
    call.ctx.collections["User"] = [u for u in call.store.all("User") if u["id"] != call.user_id]
    return call.success
