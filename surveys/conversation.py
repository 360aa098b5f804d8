"""Two-way SMS: what a customer texts back to one of our numbers, from the score to the verbatim.

Twilio posts every SMS sent to our numbers (``webhooks.twilio_inbound``). A reply belongs to the
latest unexpired invitation our number texted to that phone, whichever organization sent it: on a
shared number two organizations may have texted the same person, and the reply is credited to
exactly one (the latest). Then, in that organization's scope:

1. STOP (and its French and carrier equivalents) opts the phone out of SMS for every organization
   that texted it from that number; START takes back those STOP opt-outs; HELP gets a help text;
2. the first reply is the score of the survey's main question ("9", "9/10", "je mets 9"),
   recorded at once; the follow-up question for that score goes back by SMS;
3. the next reply is the follow-up's answer (the verbatim); then, if questions are left, the link
   to the survey page goes back, else the response is complete;
4. a reply after expiry (or once the SMS part is over) is kept as a late verbatim: an inbound
   message of the invitation, not an answer.

The inbound message is stored under Twilio's MessageSid (unique per channel), so a webhook Twilio
retries is processed once. A reply we send is a message like any other: recorded (``sending``)
and committed before the provider is called, paced per sender, counted in the monthly SMS budget.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from vocapp.contacts.models import AddressOptOut, OptOutSource
from vocapp.messaging.templates import MessageTooLong, render_sms
from vocapp.tenancy.models import Organization
from vocapp.tenancy.scope import organization_scope

from . import composing, pacing, sending
from .answering import (
    AnswerError,
    complete,
    follow_up_for,
    link_state,
    main_question,
    record_answer,
    response_for,
    root_of,
    shown_for,
)
from .dispatch import Channels
from .models import Answer, Invitation, Message, Response, SenderNumber
from .provider_events import advance
from .selectors import delivery_policy

logger = logging.getLogger(__name__)

# Whole-message keywords, compared without case, accents or surrounding punctuation. Besides the
# French ones, carriers' and Twilio's standard opt-out words: Twilio blocks the number on them.
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "ARRET", "UNSUBSCRIBE", "DESABONNER", "CANCEL", "END", "QUIT", "OPTOUT"}
)
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "AIDE", "INFO"})
MAX_BODY = 4000  # Twilio joins at most 1600 characters; anything longer is not an SMS
EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class InboundSms:
    sid: str  # Twilio's MessageSid
    sender: str  # the customer's number (From)
    to: str  # ours (To)
    body: str


@dataclass
class Turn:
    """One reply in the conversation of one invitation, inside its organization's scope."""

    invitation: Invitation
    sms: InboundSms
    now: datetime
    questions: list = field(default_factory=list)
    main: object = None
    response: Response | None = None
    answered: dict = field(default_factory=dict)  # question id -> Answer
    replies: list = field(default_factory=list)  # ids of the messages to send after commit

    @property
    def locale(self) -> str:
        return composing.locale_of(self.invitation)


def keyword_of(body: str) -> str:
    """``" Arrêt ! "`` -> ``"ARRET"``: the message as a keyword."""
    letters = unicodedata.normalize("NFKD", body or "")
    letters = "".join(char for char in letters if not unicodedata.combining(char))
    return EDGE_PUNCTUATION.sub("", letters).upper()


def parse_score(body: str, low: int, high: int) -> int | None:
    """The one score a reply gives on the scale, or None ("7 or 8", "7-8", "99", words only).

    "9/10", "9 sur 10" and "9 out of 10" name the scale's top: it is not a second number.
    """
    text = unicodedata.normalize("NFKC", body or "").casefold()
    text = re.sub(rf"(\d)\s*(?:/|sur|out of|on)\s*{high}(?!\d)", r"\1", text)
    numbers = NUMBER.findall(text)
    if len(numbers) != 1 or not re.fullmatch(r"-?\d+", numbers[0]):
        return None
    score = int(numbers[0])
    return score if low <= score <= high else None


# --- Routing (across organizations) ---------------------------------------------------------


def route(sms: InboundSms, now) -> Message | None:
    """The latest message our number sent to that phone for an unexpired invitation, else the
    latest one (its reply is late); None when we never texted that phone from that number."""
    sent = (
        Message.objects.unscoped()
        .filter(
            channel="sms",
            direction="out",
            to=sms.sender,
            sender=sms.to,
            invitation__isnull=False,
        )
        .select_related("organization", "invitation__contact", "invitation__organization")
        .order_by("-created_at", "-pk")
    )
    unexpired = sent.exclude(invitation__state="expired").filter(
        Q(invitation__expires_at__isnull=True) | Q(invitation__expires_at__gt=now)
    )
    return unexpired.first() or sent.first()


def texting_organizations(sms: InboundSms) -> list:
    """Every organization that texted that phone from that number, and the number's owner."""
    ids = set(
        Message.objects.unscoped()
        .filter(channel="sms", direction="out", to=sms.sender, sender=sms.to)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    owner = SenderNumber.objects.filter(number=sms.to).values_list("organization_id", flat=True)
    ids.update(pk for pk in owner if pk is not None)
    return list(Organization.objects.filter(pk__in=ids))


# --- Receiving ------------------------------------------------------------------------------


def receive(sms: InboundSms, now=None) -> str:
    """Handle one SMS from a customer; returns what it was (for logs and tests): unknown,
    duplicate, opted_out, opted_in, help, score, verbatim, late or unparsed."""
    now = now or timezone.now()
    sms = InboundSms(sms.sid, sms.sender, sms.to, (sms.body or "").replace("\x00", "")[:MAX_BODY])
    keyword = keyword_of(sms.body)
    routed = route(sms, now)
    if routed is None and keyword not in OPT_OUT_WORDS | OPT_IN_WORDS:
        # The phone number stays out of the logs: the SID finds it in Twilio's console.
        logger.info("SMS %s to %s from a number we never texted: ignored", sms.sid, sms.to)
        return "unknown"
    with transaction.atomic():
        if routed is not None and not store_inbound(sms, routed):
            return "duplicate"
        if keyword in OPT_OUT_WORDS:
            opt_out(sms)
            return "opted_out"
        if keyword in OPT_IN_WORDS:
            opt_in(sms)
            return "opted_in"
        with organization_scope(routed.organization):
            turn = Turn(invitation=routed.invitation, sms=sms, now=now)
            outcome = converse(turn, routed, keyword)
    send_replies(turn.replies, sms.to)
    return outcome


def store_inbound(sms: InboundSms, routed: Message) -> bool:
    """The customer's SMS as an inbound message of the invitation; False if already stored."""
    with organization_scope(routed.organization):
        try:
            with transaction.atomic():
                Message.objects.create(
                    invitation=routed.invitation,
                    direction="in",
                    channel="sms",
                    to=sms.to,
                    sender=sms.sender,
                    body=sms.body,
                    provider_id=sms.sid,
                    # Received, not to send: the sweeper and the SMS budget leave it alone.
                    status="delivered",
                )
        except IntegrityError:
            logger.info("SMS %s already received: Twilio retried the webhook", sms.sid)
            return False
    return True


def opt_out(sms: InboundSms) -> None:
    for organization in texting_organizations(sms):
        with organization_scope(organization):
            sending.mark_address(organization, "sms", sms.sender, OptOutSource.SMS_STOP)
    logger.info("SMS %s: STOP to %s", sms.sid, sms.to)


def opt_in(sms: InboundSms) -> None:
    """Only what a STOP did is undone: a bounce or a manager's opt-out stays."""
    for organization in texting_organizations(sms):
        with organization_scope(organization):
            AddressOptOut.objects.filter(
                channel="sms", address=sms.sender, source=OptOutSource.SMS_STOP
            ).delete()
    logger.info("SMS %s: START to %s", sms.sid, sms.to)


# --- The conversation -----------------------------------------------------------------------


def converse(turn: Turn, routed: Message, keyword: str) -> str:
    # The customer answered this message: it reached them, whatever the callbacks said so far.
    advance(routed, "delivered")
    load(turn)
    step = step_of(turn)
    if keyword in HELP_WORDS:
        queue_help(turn, step)
        return "help"
    if step == "score":
        return take_score(turn)
    if step == "verbatim":
        return take_verbatim(turn)
    return "late"


def load(turn: Turn) -> None:
    root = root_of(turn.invitation)
    # One reply at a time per invitation: two quick SMS must not both be taken as the score.
    Invitation.objects.select_for_update().filter(pk=root.pk).first()
    turn.questions = list(turn.invitation.survey_version.questions.all())
    turn.main = main_question(turn.questions)
    turn.response = Response.objects.filter(invitation=root).first()
    if turn.response is not None:
        answers = Answer.objects.filter(response=turn.response)
        turn.answered = {answer.question_id: answer for answer in answers}


def step_of(turn: Turn) -> str:
    """score, verbatim, page (the SMS part is over, the page is open) or closed."""
    if not link_state(turn.invitation, turn.now).answerable:
        return "closed"
    main_answer = turn.answered.get(getattr(turn.main, "pk", None))
    if main_answer is None:
        return "score"
    follow_up = follow_up_for(turn.questions, main_answer.score)
    if follow_up is not None and follow_up.pk not in turn.answered:
        return "verbatim"
    return "page"


def take_score(turn: Turn) -> str:
    main = turn.main
    score = parse_score(turn.sms.body, main.scale_min, main.scale_max) if main else None
    if score is None:
        queue_help(turn, "score")
        return "unparsed"
    turn.response = response_for(turn.invitation, channel="sms", locale=turn.locale)
    answer = record_answer(turn.response, main, score, invitation=turn.invitation)
    turn.answered[main.pk] = answer
    follow_up = follow_up_for(turn.questions, score)
    if follow_up is None or follow_up.pk in turn.answered:
        finish(turn, score)
    elif not queue_follow_up(turn, follow_up):
        queue_link(turn)  # the question is too long for one SMS: it is on the page
    return "score"


def take_verbatim(turn: Turn) -> str:
    score = turn.answered[turn.main.pk].score
    follow_up = follow_up_for(turn.questions, score)
    try:
        turn.answered[follow_up.pk] = record_answer(
            turn.response, follow_up, turn.sms.body, invitation=turn.invitation
        )
    except AnswerError:
        queue_help(turn, "verbatim")  # an empty message (a picture alone)
        return "unparsed"
    finish(turn, score)
    return "verbatim"


def finish(turn: Turn, score: int) -> None:
    """The SMS part is over: the rest of the survey goes as its link, or the response is done."""
    left = [q for q in turn.questions if q.pk not in turn.answered and shown_for(q, score)]
    if left:
        queue_link(turn)
    else:
        complete(turn.response)


# --- Replies --------------------------------------------------------------------------------


def queue_follow_up(turn: Turn, question) -> bool:
    context = {"question": question.text_for(turn.locale)}
    try:
        body = render_sms("reply-follow-up", reply_context(turn, context), locale=turn.locale)
    except MessageTooLong:
        return False
    queue_reply(turn, body)
    return True


def queue_link(turn: Turn) -> None:
    queue_rendered(turn, "reply-link", {})


def queue_help(turn: Turn, step: str) -> None:
    main = turn.main
    if step == "score" and main is None:
        step = "page"  # no score to text: the survey is answered on its page
    scale = {"low": main.scale_min, "high": main.scale_max} if main else {}
    queue_rendered(turn, "reply-help", {"step": step, **scale})


def reply_context(turn: Turn, extra: dict) -> dict:
    return {**composing.context_of(turn.invitation), **extra}


def queue_rendered(turn: Turn, name: str, extra: dict) -> None:
    try:
        body = render_sms(name, reply_context(turn, extra), locale=turn.locale)
    except MessageTooLong:
        logger.exception("invitation %s: sms/%s does not fit one SMS", turn.invitation.pk, name)
        return
    queue_reply(turn, body)


def queue_reply(turn: Turn, body: str) -> None:
    """Record the reply (``sending``); it leaves once the transaction is committed."""
    if not may_text(turn):
        return
    message = Message.objects.create(
        invitation=turn.invitation, channel="sms", to=turn.sms.sender, sender=turn.sms.to, body=body
    )
    turn.replies.append(message.pk)


def may_text(turn: Turn) -> bool:
    """Not to a phone that opted out, nor beyond the organization's monthly SMS budget."""
    contact = turn.invitation.contact
    if contact.is_opted_out("sms") or (
        AddressOptOut.objects.filter(channel="sms", address=turn.sms.sender).exists()
    ):
        return False
    organization = turn.invitation.organization
    if Channels(organization, delivery_policy(organization), turn.now).cap_reached():
        logger.info("invitation %s: monthly SMS cap reached, no reply", turn.invitation.pk)
        return False
    return True


def send_replies(message_ids: list, number: str) -> None:
    """Send the committed replies, at the sender's pace; a busy second or a transient error
    hands the message to the task that tries again."""
    for message_id in message_ids:
        paced = not pacing.take_token("sms", number)
        delay = 1 if paced else sending.send_message(message_id).retry_in
        if delay is not None:
            send_later(message_id, delay)


def send_later(message_id: int, delay: float) -> None:
    from .tasks import send_message_later

    try:
        send_message_later.apply_async((message_id,), countdown=delay)
    except BrokerError:
        # Left in ``sending``: the sweeper makes it uncertain; it is never sent twice.
        logger.exception("message %s: broker down, the reply waits for the sweeper", message_id)
