"""Gateway-style authentication: SDK-HMAC-SHA256 verification and IAM-like tokens.

Written independently of the collection's signer on purpose: it rebuilds the canonical
request from what actually arrived on the wire, so the two implementations check each other.
"""

import datetime
import hashlib
import hmac
import re
import secrets
from urllib.parse import parse_qsl, quote, unquote

CLOCK_SKEW = datetime.timedelta(minutes=15)
_AUTH_RE = re.compile(
    r'^SDK-HMAC-SHA256\s+Access=(?P<ak>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),'
    r'\s*Signature=(?P<sig>[0-9a-fA-F]+)$')


class AuthError(Exception):
    """An authentication or authorization failure, with the gateway's status and code."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _enc(text):
    return quote(text, safe='~')


def expected_signature(secret_key, method, raw_path, raw_query, headers, signed_names, body):
    """Signature the gateway expects, computed from the request as received."""
    path = '/'.join(_enc(part) for part in unquote(raw_path).split('/'))
    if not path.endswith('/'):
        path += '/'
    pairs = sorted(parse_qsl(raw_query, keep_blank_values=True))
    query = '&'.join(_enc(k) + '=' + _enc(v) for k, v in pairs)
    lines = [name + ':' + (headers.get(name) or '').strip() for name in signed_names]
    canonical = '\n'.join([
        method.upper(), path, query, '\n'.join(lines) + '\n', ';'.join(signed_names),
        hashlib.sha256(body or b'').hexdigest()])
    sdk_date = headers.get('x-sdk-date') or ''
    to_sign = 'SDK-HMAC-SHA256\n%s\n%s' % (sdk_date, hashlib.sha256(canonical.encode('utf-8')).hexdigest())
    return hmac.new(secret_key.encode('utf-8'), to_sign.encode('utf-8'), hashlib.sha256).hexdigest()


class Authenticator:
    """Holds the configured AK/SK pairs and users, and the tokens it has issued."""

    def __init__(self, config, clock, metadata=None):
        self.keys = {entry['ak']: entry for entry in config.get('aksk', [])}
        self.users = config.get('users', [])
        self.token_ttl = float(config.get('token_ttl', 86400))
        self.projects = list(config.get('projects', []))
        self.metadata = dict(metadata or {})
        self.clock = clock  # callable returning an aware UTC datetime
        self.tokens = {}
        self.metadata_tokens = set()

    def reset(self):
        self.tokens = {}
        self.metadata_tokens = set()

    # --- the account's projects (IAM) -------------------------------------------------------
    def list_projects(self, name=None):
        """GET /v3/projects[?name=]: the account's projects, those named ``name`` if given."""
        return [dict(project) for project in self.projects if name is None or project.get('name') == name]

    # --- cloud-server metadata -----------------------------------------------------------------
    def issue_metadata_token(self):
        token = 'simmeta-' + secrets.token_hex(16)
        self.metadata_tokens.add(token)
        return token

    def issue_temporary_credentials(self):
        """New temporary AK/SK and security token, accepted until ``metadata.ttl`` seconds from now."""
        now = self.clock()
        expires = now + datetime.timedelta(seconds=float(self.metadata.get('ttl', 3600)))
        entry = {'ak': 'SIMMETA' + secrets.token_hex(8).upper(), 'sk': 'simmeta-sk-' + secrets.token_hex(16),
                 'security_token': 'simmeta-token-' + secrets.token_hex(24),
                 'project_id': self.metadata.get('project_id'), 'expires': expires, 'source': 'metadata'}
        self.keys[entry['ak']] = entry
        return {'credential': {'access': entry['ak'], 'secret': entry['sk'], 'securitytoken': entry['security_token'],
                               'expires_at': expires.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}}

    # --- IAM ---------------------------------------------------------------------------
    def issue_token(self, body):
        """POST /v3/auth/tokens; returns (token, response body) or raises AuthError."""
        try:
            identity = body['auth']['identity']
            user = identity['password']['user']
            name, password, domain = user['name'], user['password'], user['domain']['name']
            project = body['auth']['scope']['project']
        except (KeyError, TypeError):
            raise AuthError(400, 'IAM.0010', 'The request body is invalid.') from None
        if 'password' not in identity.get('methods', []):
            raise AuthError(400, 'IAM.0010', 'Only the password method is supported.')
        for candidate in self.users:
            if (candidate['name'], candidate.get('domain', candidate['name'])) != (name, domain):
                continue
            if not hmac.compare_digest(str(candidate['password']), str(password)):
                break
            projects = candidate.get('projects', {})
            project_id = project.get('id') or projects.get(project.get('name'))
            if project_id not in projects.values():
                raise AuthError(401, 'IAM.0004', 'The project is not available to this user.')
            now = self.clock()
            expires = now + datetime.timedelta(seconds=self.token_ttl)
            token = 'MIIsim-' + secrets.token_hex(24)
            self.tokens[token] = {'user': name, 'project_id': project_id, 'expires': expires}
            return token, {'token': {
                'methods': ['password'],
                'expires_at': expires.strftime('%Y-%m-%dT%H:%M:%S.000000Z'),
                'issued_at': now.strftime('%Y-%m-%dT%H:%M:%S.000000Z'),
                'user': {'name': name, 'domain': {'name': domain}},
                'project': {'id': project_id, 'name': _name_of(projects, project_id)},
            }}
        raise AuthError(401, 'IAM.0002', 'The username or password is wrong.')

    # --- API gateway ---------------------------------------------------------------------
    def authenticate(self, method, raw_path, raw_query, headers, body):
        """Return (auth method, set of project ids allowed) or raise AuthError.

        ``headers`` is a dict with lower-case names.
        """
        token = headers.get('x-auth-token')
        if token:
            entry = self.tokens.get(token)
            if entry is None:
                raise AuthError(401, 'APIGW.0301', 'Incorrect IAM authentication information: token is invalid.')
            if entry['expires'] <= self.clock():
                raise AuthError(401, 'APIGW.0307', 'The token must be updated: token has expired.')
            return 'token', {entry['project_id']}
        authorization = headers.get('authorization')
        if not authorization:
            raise AuthError(401, 'APIGW.0301', 'Incorrect IAM authentication information: no credentials in request.')
        match = _AUTH_RE.match(authorization.strip())
        if not match:
            raise AuthError(401, 'APIGW.0301', 'Incorrect IAM authentication information: malformed Authorization header.')
        key = self.keys.get(match.group('ak'))
        if key is None:
            raise AuthError(401, 'APIGW.0301', 'Incorrect IAM authentication information: access key not found.')
        signed = match.group('signed').split(';')
        if 'x-sdk-date' not in signed or any(name not in headers for name in signed):
            raise AuthError(401, 'APIGW.0301', 'Incorrect IAM authentication information: signed headers missing.')
        try:
            sent = datetime.datetime.strptime(headers['x-sdk-date'], '%Y%m%dT%H%M%SZ').replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            raise AuthError(401, 'APIGW.0301', 'Incorrect IAM authentication information: bad X-Sdk-Date.') from None
        if abs(self.clock() - sent) > CLOCK_SKEW:
            raise AuthError(401, 'APIGW.0301', 'Incorrect IAM authentication information: request expired (X-Sdk-Date skew).')
        if key.get('expires') is not None and key['expires'] <= self.clock():
            raise AuthError(401, 'APIGW.0301', 'Incorrect IAM authentication information: the temporary credentials '
                                               '(security token) have expired.')
        if key.get('security_token'):
            if 'x-security-token' not in signed or headers.get('x-security-token') != key['security_token']:
                raise AuthError(401, 'APIGW.0301', 'Incorrect IAM authentication information: security token invalid.')
        want = expected_signature(key['sk'], method, raw_path, raw_query, headers, signed, body)
        if not hmac.compare_digest(want, match.group('sig').lower()):
            raise AuthError(401, 'APIGW.0301', 'Incorrect IAM authentication information: verify aksk signature fail.')
        projects = set(key.get('projects') or [key['project_id']])
        if key.get('source') == 'metadata':
            return 'aksk-metadata', projects
        return ('aksk-temporary' if key.get('security_token') else 'aksk'), projects


def _name_of(projects, project_id):
    for name, pid in projects.items():
        if pid == project_id:
            return name
    return None
