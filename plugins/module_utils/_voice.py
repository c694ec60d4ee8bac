# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Voice connectors: identity, lookup, creation, deletion and waiting.

Internal to the collection. The single-number module and the batch module both
run :class:`VoiceConnectorManager`, so identity, creation and waiting have one
implementation:

1. every entry is validated (:func:`validate_entries`) before any request;
2. each workspace is read once (connectors, and numbers where needed) and every
   entry is planned; any problem found there fails the run before any write;
3. writes run with bounded concurrency (skipped in check mode);
4. channel ids of new connectors are awaited by re-reading.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import random
import re
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.bird.engagements.plugins.module_utils._client import (
    BirdAPIError,
    RETRY_CREATE,
    quote_id,
)

DEFAULT_TEMPLATE = 'voice-messagebird:1'
CONNECTOR_PAGE_LIMIT = 99
NUMBER_PAGE_LIMIT = 99
CHANNEL_PAGE_LIMIT = 100
# A workspace with at most this many numbers to resolve is searched number by
# number (one small page each); above it, its number list is read once.
SEARCH_PER_NUMBER_MAX = 3
# The API's "template" list filter; whether it is honoured is unverified, so
# results are filtered here as well.
TEMPLATE_FILTER_PARAM = 'templateRef'

UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
E164_RE = re.compile(r'^\+[1-9][0-9]{7,14}$')
STATES = ('present', 'absent')


class PlanError(Exception):
    """One or more entries cannot be carried out; nothing was written.

    ``api_error`` is the first API error among the causes, if any, for its status and request id.
    """

    def __init__(self, errors, api_error=None):
        super(PlanError, self).__init__('; '.join(errors))
        self.errors = errors
        self.api_error = api_error


# -- input validation ---------------------------------------------------------

def check_uuid(value, field):
    if not isinstance(value, str) or not UUID_RE.match(value):
        return ('%s must be a UUID such as 2cffb55c-120e-91a8-8f10-ed9d1b412d29, got %r'
                % (field, value))
    return None


def check_e164(value, field):
    if not isinstance(value, str) or not E164_RE.match(value):
        hint = ''
        if str(value).isdigit() and not str(value).startswith('0'):
            hint = ' (YAML reads an unquoted +%s as the number %s: quote it, "+%s")' % (value, value, value)
        return ('%s must be an E.164 phone number: "+" and 8 to 15 digits, no spaces '
                '(for example +31201234567), got %r%s' % (field, value, hint))
    return None


class Entry(object):
    """One number that should (or should not) have a Voice connector."""

    def __init__(self, workspace_id, phone_number=None, phone_number_id=None, name=None,
                 conversational=None, state='present', label='', workspace_label=''):
        self.workspace_id = workspace_id
        self.phone_number = phone_number
        self.phone_number_id = phone_number_id.lower() if isinstance(phone_number_id, str) else phone_number_id
        self.name = name
        self.conversational = conversational
        self.state = state
        # Where the entry came from, for messages: e.g. "workspaces[0].numbers[3]" ("" for a single one).
        self.label = label
        self.workspace_label = workspace_label
        # Filled in by the plan.
        self.connector = None
        self.action = None
        self.number = None
        self.channel_id = None
        self.changed = False
        self.error = None

    def create_name(self):
        """The name a new connector of this entry gets."""
        return self.name or 'Voice %s' % (self.phone_number or self.phone_number_id)

    def field(self, name):
        """The name of one of the entry's fields as the user wrote it."""
        if name == 'workspace_id' and self.workspace_label:
            return '%s.%s' % (self.workspace_label, name)
        return '%s.%s' % (self.label, name) if self.label else name

    @property
    def prefix(self):
        return '%s: ' % self.label if self.label else ''

    def result(self):
        connector = self.connector or {}
        present = self.state == 'present'
        return dict(
            workspace_id=self.workspace_id,
            phone_number=self.phone_number,
            phone_number_id=self.phone_number_id,
            connector_id=connector.get('id'),
            channel_id=self.channel_id if present else None,
            name=(connector.get('name') if self.connector else self.create_name()) if present else None,
            state=self.state,
            changed=self.changed,
        )


def validate_entries(entries):
    """Return the list of input problems of ``entries`` (no request is sent)."""
    errors = []
    seen = {}
    for entry in entries:
        problems = [check_uuid(entry.workspace_id, entry.field('workspace_id'))]
        if entry.state not in STATES:
            problems.append('%s must be present or absent, got %r' % (entry.field('state'), entry.state))
        if (entry.phone_number is None) == (entry.phone_number_id is None):
            problems.append('%sgive exactly one of phone_number (E.164) and phone_number_id (UUID)' % entry.prefix)
        elif entry.phone_number is not None:
            problems.append(check_e164(entry.phone_number, entry.field('phone_number')))
        else:
            problems.append(check_uuid(entry.phone_number_id, entry.field('phone_number_id')))
        if entry.name is not None and not str(entry.name).strip():
            problems.append('%s must not be empty; leave it out for the default "Voice <number>"' % entry.field('name'))
        problems = [p for p in problems if p]
        errors.extend(problems)
        if problems:
            continue
        key = (entry.workspace_id.lower(), entry.phone_number or entry.phone_number_id)
        if key in seen:
            errors.append('%sthe same number is already listed as %s in workspace %s; list each number once'
                          % (entry.prefix, seen[key], entry.workspace_id))
        else:
            seen[key] = entry.label
    return errors


# -- reading API objects (tolerant of missing and unknown fields) ---------------

def _dict(value):
    """``value`` if it is a dict, else an empty one: API objects may lack or mistype any field."""
    return value if isinstance(value, dict) else {}


def connector_number_id(connector):
    """The phone number id of a connector (``arguments.phoneNumberId`` or ``number.numberId``)."""
    value = _dict(connector.get('arguments')).get('phoneNumberId') or _dict(connector.get('number')).get('numberId')
    return value.lower() if isinstance(value, str) else value


def connector_channel_id(connector):
    return _dict(_dict(connector).get('channel')).get('channelId') or None


def connector_phone_number(connector):
    return _dict(_dict(connector).get('number')).get('phoneNumber')


def connector_matches_template(connector, template_ref):
    ref = connector.get('connectorTemplateRef')
    if ref:
        return ref == template_ref
    slug = connector.get('connectorTemplateSlug') or _dict(connector.get('channel')).get('platform')
    return bool(slug) and slug == template_ref.split(':')[0]


def number_e164(number):
    for field in ('number', 'phoneNumber'):
        value = _dict(number).get(field)
        if isinstance(value, str) and value:
            return value if value.startswith('+') else '+' + value
    return None


def number_has_voice(number):
    """True/False when the number's capabilities say, None when they do not."""
    caps = _dict(number).get('capabilities')
    if caps is None:
        return None
    if isinstance(caps, dict):
        return bool(caps.get('voice'))
    if isinstance(caps, str):
        return 'voice' in caps.lower()
    if isinstance(caps, list):
        names = []
        for cap in caps:
            if isinstance(cap, dict):
                cap = cap.get('name') or cap.get('type') or cap.get('capability')
            if isinstance(cap, str):
                names.append(cap.lower())
        return 'voice' in names
    return None


def _backoff(attempt, base=0.5, cap=5.0):
    ceiling = min(cap, base * (2 ** attempt))
    return random.uniform(ceiling / 2.0, ceiling)


class VoiceConnectorManager(object):
    """Plans and applies Voice connector entries across workspaces."""

    def __init__(self, client, template_ref=DEFAULT_TEMPLATE, check_mode=False, wait=True,
                 wait_timeout=120, concurrency=8, sleep=time.sleep, clock=time.monotonic):
        self.client = client
        self.template_ref = template_ref
        self.check_mode = check_mode
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.concurrency = max(1, int(concurrency))
        self.sleep = sleep
        self.clock = clock
        self.warnings = []

    # -- reads ---------------------------------------------------------------
    def _path(self, workspace_id, *parts):
        return '/workspaces/%s/%s' % (quote_id(workspace_id), '/'.join(quote_id(p) for p in parts))

    def list_connectors(self, workspace_id):
        """Every connector of the workspace with this manager's template (all pages)."""
        items = self.client.paginate(self._path(workspace_id, 'connectors'),
                                     params={TEMPLATE_FILTER_PARAM: self.template_ref},
                                     limit=CONNECTOR_PAGE_LIMIT)
        return [c for c in items if isinstance(c, dict) and connector_matches_template(c, self.template_ref)]

    def list_numbers(self, workspace_id, search=None):
        params = {'searchTerm': search} if search else None
        return [n for n in self.client.paginate(self._path(workspace_id, 'numbers'), params=params,
                                                limit=NUMBER_PAGE_LIMIT) if isinstance(n, dict)]

    def get_number(self, workspace_id, number_id):
        """The number, or None when the workspace has no such number."""
        try:
            return self.client.get(self._path(workspace_id, 'numbers', number_id))
        except BirdAPIError as err:
            if err.status == 404:
                return None
            raise

    def list_channels(self, workspace_id):
        """The workspace's channels of this manager's template's platform (e.g. voice-messagebird)."""
        platform = self.template_ref.split(':')[0]
        return list(self.client.paginate(self._path(workspace_id, 'channels'),
                                         params={'platform': platform}, limit=CHANNEL_PAGE_LIMIT))

    def find_number(self, workspace_id, e164):
        """The workspace's number with exactly this E.164, searched; None if there is none."""
        found = [n for n in self.list_numbers(workspace_id, search=e164.lstrip('+')) if number_e164(n) == e164]
        return self._one_number(found, workspace_id, e164)

    @staticmethod
    def _one_number(found, workspace_id, e164):
        ids = sorted(set(str(n.get('id')) for n in found))
        if len(ids) > 1:
            raise PlanError(['phone number %s matches several numbers in workspace %s: ids %s; use phone_number_id'
                             % (e164, workspace_id, ', '.join(ids))])
        return found[0] if found else None

    def _index(self, connectors):
        by_id = {}
        for connector in connectors:
            by_id.setdefault(connector_number_id(connector), []).append(connector)
        return by_id

    def _match(self, entry, by_id, connectors):
        """The one connector of the entry's number, None, or an error for several."""
        matches = list(by_id.get(entry.phone_number_id, [])) if entry.phone_number_id else []
        if not matches and entry.phone_number and not entry.phone_number_id:
            # Number not (or no longer) in the workspace: match what the connector echoes.
            matches = [c for c in connectors if connector_phone_number(c) == entry.phone_number]
        if any(not c.get('id') for c in matches):
            entry.error = ('%sthe API lists a connector for number %s without an id, so it cannot be managed; '
                           'report this to Bird' % (entry.prefix, entry.phone_number or entry.phone_number_id))
            return None
        if len(matches) > 1:
            entry.error = ('%smore than one %s connector exists for number %s in workspace %s: %s; '
                           'delete the extra ones in Bird' % (
                               entry.prefix, self.template_ref, entry.phone_number or entry.phone_number_id,
                               entry.workspace_id, ', '.join(sorted(str(c.get('id')) for c in matches))))
            return None
        return matches[0] if matches else None

    def _number_lookup(self, workspace_id, entries):
        """A function giving each of ``entries`` its number (or None): searched one by one when
        they are few, else from one read of the workspace's number list."""
        if len(entries) <= SEARCH_PER_NUMBER_MAX:
            def lookup(entry):
                if entry.phone_number_id:
                    return self.get_number(workspace_id, entry.phone_number_id)
                return self.find_number(workspace_id, entry.phone_number)
            return lookup
        by_id, by_e164 = {}, {}
        for number in self.list_numbers(workspace_id):
            by_id[str(number.get('id')).lower()] = number
            by_e164.setdefault(number_e164(number), []).append(number)

        def lookup_listed(entry):
            if entry.phone_number_id:
                return by_id.get(entry.phone_number_id)
            return self._one_number(by_e164.get(entry.phone_number, []), workspace_id, entry.phone_number)
        return lookup_listed

    def _plan_workspace(self, workspace_id, entries):
        connectors = self.list_connectors(workspace_id)
        by_id = self._index(connectors)
        # Numbers are read for E.164 entries (to find their id) and for numbers that need a connector.
        needy = [e for e in entries if not e.phone_number_id or (e.state == 'present' and e.phone_number_id not in by_id)]
        lookup = self._number_lookup(workspace_id, needy)
        for entry in needy:
            entry.number = lookup(entry)
            if entry.number is not None and not entry.phone_number_id:
                entry.phone_number_id = str(entry.number.get('id')).lower()
        seen = {}
        for entry in entries:
            if entry.phone_number_id in seen:
                entry.error = ('%sit is the same number (id %s) as %s; list each number once'
                               % (entry.prefix, entry.phone_number_id, seen[entry.phone_number_id]))
                continue
            if entry.phone_number_id:
                seen[entry.phone_number_id] = entry.label
            entry.connector = self._match(entry, by_id, connectors)
            if entry.error:
                continue
            if entry.connector is not None:
                self._plan_existing(entry)
            elif entry.state == 'present':
                self._plan_create(entry)

    def _plan_existing(self, entry):
        entry.phone_number_id = entry.phone_number_id or connector_number_id(entry.connector)
        entry.phone_number = entry.phone_number or connector_phone_number(entry.connector)
        entry.channel_id = connector_channel_id(entry.connector)
        if entry.state == 'absent':
            entry.action = 'delete'
        elif entry.name and entry.name != entry.connector.get('name'):
            self.warnings.append(
                '%sconnector %s is named %r, not %r: a name applies only when a connector is created; '
                'delete it (state: absent) and create it again to rename it'
                % (entry.prefix, entry.connector.get('id'), entry.connector.get('name'), entry.name))

    def _plan_create(self, entry):
        number = entry.number
        if number is None:
            entry.error = ('%s%s is not a number of workspace %s; check the number, or buy or move it into '
                           'that workspace first'
                           % (entry.prefix, entry.phone_number or entry.phone_number_id, entry.workspace_id))
            return
        if number_has_voice(number) is False:
            entry.error = ('%snumber %s (%s) has no voice capability, so it cannot have a Voice channel; '
                           'pick a voice-enabled number' % (entry.prefix, number_e164(number) or '?', number.get('id')))
            return
        entry.phone_number = entry.phone_number or number_e164(number)
        entry.action = 'create'

    def plan(self, entries):
        """Read every workspace once and decide each entry's action; raise PlanError on any problem."""
        groups = {}
        for entry in entries:
            groups.setdefault(entry.workspace_id, []).append(entry)
        errors = []
        api_errors = []
        results = self._map(lambda item: self._safe(self._plan_workspace, item[0], item[1]), list(groups.items()))
        for (workspace_id, dummy), error in zip(groups.items(), results):
            if error is not None:
                errors.append('workspace %s: %s' % (workspace_id, error))
                if isinstance(error, BirdAPIError):
                    api_errors.append(error)
        errors.extend(e.error for e in entries if e.error)
        if errors:
            raise PlanError(errors, api_error=api_errors[0] if api_errors else None)

    # -- writes ----------------------------------------------------------------
    def _create_body(self, entry):
        body = {
            'name': entry.create_name(),
            'connectorTemplateRef': self.template_ref,
            'arguments': {'phoneNumberId': entry.phone_number_id},
        }
        if entry.conversational is not None:
            body['channelConversationalStatusEnabled'] = bool(entry.conversational)
        return body

    def _lookup_one(self, entry):
        matches = [c for c in self.list_connectors(entry.workspace_id)
                   if connector_number_id(c) == entry.phone_number_id]
        if len(matches) > 1:
            raise PlanError(['%smore than one connector now exists for number %s: %s' % (
                entry.prefix, entry.phone_number_id, ', '.join(sorted(str(c.get('id')) for c in matches)))])
        return matches[0] if matches else None

    def create(self, entry):
        """Create the entry's connector; a create that may have been applied is looked up, never re-sent blindly."""
        path = self._path(entry.workspace_id, 'connectors')
        body = self._create_body(entry)
        attempt = 0
        # Whether an earlier attempt of ours may have been applied: if a later one is then refused as a
        # duplicate, the connector found may well be ours, and "changed" must not be denied.
        maybe_ours = False
        while True:
            try:
                created = self.client.request('POST', path, body=body, retry=RETRY_CREATE).body
            except BirdAPIError as err:
                failure = err
            else:
                entry.changed = True
                if isinstance(created, dict) and created.get('id'):
                    entry.connector = created
                    return
                # A 201 without a usable connector: find what it created.
                entry.connector = self._lookup_one(entry)
                if entry.connector is None:
                    raise BirdAPIError('Bird accepted the create but returned no connector id, and none is listed '
                                       'for number %s yet: run again to pick it up' % entry.phone_number_id,
                                       method='POST', path=path)
                return
            if failure.status in (409, 422):
                # 409 (or 422, unverified) may mean "connector already exists": someone else installed it.
                existing = self._lookup_one(entry)
                tries = 0
                while existing is None and failure.status == 409 and tries < 3:
                    tries += 1
                    self.sleep(_backoff(tries))
                    existing = self._lookup_one(entry)
                if existing is not None:
                    entry.connector = existing
                    entry.changed = maybe_ours
                    return
                if failure.status == 409:
                    failure.hint = ('Bird says the connector exists, but no %s connector is listed for number %s: '
                                    'look for a connector of another template on this number'
                                    % (self.template_ref, entry.phone_number_id))
                raise failure
            if not (failure.maybe_applied or (failure.status is None and failure.transient)):
                raise failure
            # The create may or may not have been applied: look before sending it again.
            maybe_ours = maybe_ours or failure.maybe_applied
            try:
                existing = self._lookup_one(entry)
            except BirdAPIError as err:
                # Unknown outcome: say so, and report a change rather than deny one.
                entry.changed = entry.changed or maybe_ours
                err.hint = ('the create before it may have been applied (%s); run again: it looks before it '
                            'creates, so it makes no duplicate' % failure)
                raise
            if existing is not None:
                entry.connector = existing
                entry.changed = True
                return
            if attempt >= self.client.retries:
                raise failure
            attempt += 1
            self.sleep(_backoff(attempt))

    def delete(self, entry):
        path = self._path(entry.workspace_id, 'connectors', entry.connector.get('id'))
        response = self.client.request('DELETE', path, accept_status=(404,))
        # A 404 means someone else removed it, unless an earlier try of ours may have (a lost response).
        entry.changed = response.status != 404 or response.uncertain

    def _apply_one(self, entry):
        if entry.action == 'create':
            self.create(entry)
            entry.channel_id = connector_channel_id(entry.connector)
        elif entry.action == 'delete':
            self.delete(entry)

    # -- waiting ---------------------------------------------------------------
    def _await_workspace(self, workspace_id, pending, deadline):
        attempt = 0
        while pending:
            remaining = deadline - self.clock()
            if remaining <= 0:
                return
            self.sleep(min(_backoff(attempt, base=0.25, cap=3.0), remaining))
            attempt += 1
            if len(pending) <= 2:
                fresh = {}
                for entry in pending:
                    try:
                        fresh[entry.connector.get('id')] = self.client.get(
                            self._path(workspace_id, 'connectors', entry.connector.get('id')))
                    except BirdAPIError as err:
                        if err.status != 404:
                            raise
                        entry.error = ('%sconnector %s disappeared while waiting for its channel (deleted by '
                                       'someone else?)' % (entry.prefix, entry.connector.get('id')))
            else:
                fresh = dict((c.get('id'), c) for c in self.list_connectors(workspace_id))
            still = []
            for entry in pending:
                if entry.error:
                    continue
                connector = fresh.get(entry.connector.get('id'))
                if connector is not None:
                    entry.connector = connector
                entry.channel_id = connector_channel_id(entry.connector)
                if not entry.channel_id:
                    still.append(entry)
            pending[:] = still

    def await_channels(self, entries):
        pending = {}
        for entry in entries:
            if entry.state == 'present' and entry.connector is not None and not entry.channel_id and not entry.error:
                pending.setdefault(entry.workspace_id, []).append(entry)
        if not pending:
            return
        deadline = self.clock() + self.wait_timeout
        waiting = [(workspace_id, list(group)) for workspace_id, group in pending.items()]
        errors = self._map(lambda item: self._safe(self._await_workspace, item[0], item[1], deadline), waiting)
        for (dummy, group), error in zip(waiting, errors):
            for entry in group:
                if error is not None and not entry.channel_id and not entry.error:
                    entry.error = '%swhile waiting for the channel id of connector %s: %s' % (
                        entry.prefix, entry.connector.get('id'), error)
        for entry in entries:
            if entry in pending.get(entry.workspace_id, []) and not entry.channel_id and not entry.error:
                entry.error = ('%sconnector %s was installed but Bird assigned no channel id within %s seconds '
                               '(wait_timeout); run again later or raise wait_timeout'
                               % (entry.prefix, entry.connector.get('id'), self.wait_timeout))

    # -- orchestration -----------------------------------------------------------
    def _map(self, func, items):
        if len(items) <= 1 or self.concurrency == 1:
            return [func(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(func, items))

    @staticmethod
    def _safe(func, *args):
        """Run ``func``; return None, or the PlanError or API error it raised."""
        try:
            func(*args)
        except (PlanError, BirdAPIError) as err:
            return err
        except Exception as err:
            # Runs in a worker thread: report it with the entry instead of losing every other result.
            return RuntimeError('unexpected %s: %s' % (type(err).__name__, err))
        return None

    def apply(self, entries):
        """Apply planned entries (nothing in check mode) and wait for channel ids; return their errors."""
        changing = [e for e in entries if e.action]
        if self.check_mode:
            for entry in changing:
                entry.changed = True
            return []
        for entry, error in zip(changing, self._map(lambda e: self._safe(self._apply_one, e), changing)):
            if error is not None:
                entry.error = '%s%s' % (entry.prefix, error)
        if self.wait:
            self.await_channels(entries)
        return [e.error for e in entries if e.error]

    def run(self, entries):
        """Plan (raising PlanError before any write), then apply. Returns the entries' errors."""
        self.plan(entries)
        return self.apply(entries)
