# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Connection and authentication options, as modules document them.
    DOCUMENTATION = r'''
options:
  region:
    description:
      - Region of the instance, for example C(cn-north-4). Selects the API endpoint from the
        built-in region table unless O(endpoint) is set.
      - The endpoint of a region can be overridden with the official SDK's environment variable
        E(HUAWEICLOUD_SDK_REGION_GAUSSDB_<REGION>), for example E(HUAWEICLOUD_SDK_REGION_GAUSSDB_CN_NORTH_4).
      - If not set, the environment variable E(TAURUSDB_REGION) is used.
    type: str
  endpoint:
    description:
      - API endpoint URL, for example V(https://gaussdb.cn-north-4.myhuaweicloud.com). Wins over O(region).
        An internationalized host name is sent, signed and shown in its ASCII (punycode) form; name it so in
        E(NO_PROXY) too.
      - Several endpoints (a list, or comma-separated) are tried in order when a connection fails - DNS, connection
        refused or reset, connect timeout or a failed TLS handshake, never an HTTP error - and the first that
        connects is kept for the rest of the run. When none connects, the error names each one with its reason.
        E(HUAWEICLOUD_SDK_REGION_GAUSSDB_<REGION>) may list several the same way.
      - If not set, the environment variable E(TAURUSDB_ENDPOINT) is used.
    type: list
    elements: str
  project_id:
    description:
      - Project ID (32 letters or digits) that owns the instance.
      - If not set, E(HUAWEICLOUD_SDK_PROJECT_ID) or C(project_id) in the credentials file is used.
      - Else, with O(region), it is found as the official SDK finds it - with AK/SK (also from the credentials file
        or cloud-server metadata) by asking IAM once per run for the project named after O(region)
        (C(GET /v3/projects?name=<region>) at O(iam_endpoint)); with an IAM password, the token's project for
        O(region) is used. No project or several of that name is an error.
    type: str
  access_key:
    description:
      - Access key (AK) for SDK-HMAC-SHA256 request signing.
      - If not set, E(HUAWEICLOUD_SDK_AK) or E(CLOUD_SDK_AK) is used.
    type: str
    aliases: [ak]
  secret_key:
    description:
      - Secret key (SK) for request signing. Never shown in any output.
      - If not set, E(HUAWEICLOUD_SDK_SK) or E(CLOUD_SDK_SK) is used.
    type: str
    aliases: [sk]
  security_token:
    description:
      - Security token of temporary AK/SK credentials; sent as C(X-Security-Token) and signed.
      - If not set, E(HUAWEICLOUD_SDK_SECURITY_TOKEN) or C(security_token) in the credentials file is used.
    type: str
  auth_token:
    description:
      - An IAM token, sent as C(X-Auth-Token) instead of a signature.
      - If not set, E(TAURUSDB_AUTH_TOKEN) is used.
    type: str
  iam_user:
    description:
      - IAM user name; with O(iam_password) and O(iam_domain) it is exchanged for a token once per run.
    type: str
  iam_password:
    description:
      - Password of O(iam_user). Never shown in any output.
    type: str
  iam_domain:
    description:
      - Account (domain) name of O(iam_user).
    type: str
  iam_endpoint:
    description:
      - IAM endpoint URL, for IAM password authentication and for finding the project id of O(region).
      - If not set, as the official SDK finds it - C(iam_endpoint) in the C([basic]) section of the credentials file
        (when the credentials come from that file), then the environment variable E(HUAWEICLOUD_SDK_IAM_ENDPOINT),
        then the SDK's table of IAM endpoints per region (C(https://iam.<region>.myhuaweicloud.com) for the regions
        it lists), then the global V(https://iam.myhuaweicloud.com).
    type: str
  credentials_file:
    description:
      - The official SDK's credentials file (INI, section C([basic]), keys C(ak), C(sk), C(project_id),
        C(security_token), C(iam_endpoint)). Used only when no other credentials are given.
      - If not set, E(HUAWEICLOUD_SDK_CREDENTIALS_FILE) is used, then C(~/.huaweicloud/credentials) if it exists.
    type: path
  language:
    description:
      - Language of error messages from the API (C(X-Language)).
    type: str
    choices: [en-us, zh-cn]
    default: en-us
  validate_certs:
    description:
      - Verify the endpoint's TLS certificate. Turn off only for testing.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of CA certificates to verify the endpoint with, instead of the system's.
    type: path
  client_cert:
    description:
      - PEM file of a client certificate, for endpoints behind mutual TLS. It may hold the private key too;
        else set O(client_key). Checked before any request.
    type: path
  client_key:
    description:
      - PEM file of the private key of O(client_cert) (not encrypted).
    type: path
  proxy:
    description:
      - Proxy for every request to the API and IAM, as V(http://[user:password@]host:port). Never shown in any
        output, its password in no form (as written, decoded or as C(Proxy-Authorization) credentials).
        An internationalized host name is used in its ASCII (punycode) form, as an endpoint's.
      - If not set, the environment's E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) apply as usual. The metadata
        service (O(metadata_credentials)) is never reached through a proxy.
    type: str
  metadata_credentials:
    description:
      - Use temporary AK/SK from the metadata service of the Huawei Cloud server the task runs on (an ECS with an
        agency), as the official SDK's metadata credentials. Opt-in only, never tried by default.
      - They are fetched on first use (C(GET <metadata_url>/openstack/latest/securitykey), with a metadata session
        token when the service gives one) and again before they expire, once for all concurrent requests; their
        secret key and security token never appear in output. The project id comes from O(project_id) or is found
        from IAM for O(region).
      - Off the cloud it fails at once with a clear error (the metadata address gets 2 seconds to connect).
      - Setting it together with other credentials (also from environment variables) is an error.
      - If not set, the environment variable E(TAURUSDB_METADATA_CREDENTIALS) is used.
    type: bool
    default: false
  metadata_url:
    description:
      - The metadata service, C(scheme://host[:port]). Change it only to test against a stand-in.
      - If not set, the environment variable E(TAURUSDB_METADATA_URL) is used.
    type: str
    default: http://169.254.169.254
  connect_timeout:
    description:
      - Seconds to wait for a connection.
    type: float
    default: 10
  read_timeout:
    description:
      - Seconds to wait for the answer on an open connection - its headers and its whole body, not each
        read. An attempt (connect, headers and body) is cut after O(connect_timeout) + O(read_timeout)
        seconds in all, so a server that sends a byte now and then cannot hold a run for ever.
      - Answers larger than 8 MiB (after decompression) are refused.
    type: float
    default: 30
  retries:
    description:
      - How many times one request is retried after HTTP 429, 500, 502, 503 or 504, a connection error,
        a read timeout or an unreadable answer. Other errors are never retried. V(0) turns retries off.
    type: int
    default: 5
  retry_max_time:
    description:
      - Seconds one request may spend on attempts and retries, counted from its start. No attempt starts
        after this budget, and a retry whose wait (backoff or C(Retry-After)) would end past it is not made,
        so a request takes at most this plus one attempt. At most 600.
    type: float
    default: 120
  retry_backoff:
    description:
      - Backoff factor in seconds; waits grow exponentially (0, 2x, 4x, ... this factor) plus up to this
        much random jitter. A C(Retry-After) header from the server wins over the backoff.
    type: float
    default: 0.5
notes:
  - Requests go to the API from the host the task runs on (usually C(localhost)); it needs the
    Python library C(requests).
  - Exactly one authentication method is used - AK/SK, O(auth_token), IAM password or O(metadata_credentials) -
    and setting more than one (also through environment variables) is an error. With none given, the
    credentials file is read; metadata credentials are used only when asked for.
  - Credentials are stripped of surrounding whitespace (a YAML block scalar ends in a newline); a line
    break or control character inside one is refused without showing it.
  - Secrets - O(secret_key), O(security_token), O(auth_token), O(iam_password), the password of O(proxy), IAM
    tokens, metadata credentials and request signatures - never appear in results, errors or warnings, also
    where a server echoes them, escaped or URL-encoded. Credentials from C(~/.netrc) are never sent.
  - O(endpoint), O(iam_endpoint) and O(metadata_url) are C(scheme://host[:port]) only - a user name, password,
    path, query or fragment is refused.
requirements:
  - requests >= 2.25
'''

    # The same options for lookup plugins: environment variables (as the module's fallbacks),
    # host/play variables, and ansible.cfg (not for secrets).
    PLUGINS = r'''
options:
  region:
    env:
      - name: TAURUSDB_REGION
    vars:
      - name: taurusdb_region
    ini:
      - section: taurusdb_htap
        key: region
  endpoint:
    env:
      - name: TAURUSDB_ENDPOINT
    vars:
      - name: taurusdb_endpoint
    ini:
      - section: taurusdb_htap
        key: endpoint
  project_id:
    env:
      - name: HUAWEICLOUD_SDK_PROJECT_ID
    vars:
      - name: taurusdb_project_id
    ini:
      - section: taurusdb_htap
        key: project_id
  access_key:
    env:
      - name: CLOUD_SDK_AK
      - name: HUAWEICLOUD_SDK_AK
    vars:
      - name: taurusdb_access_key
    ini:
      - section: taurusdb_htap
        key: access_key
  secret_key:
    env:
      - name: CLOUD_SDK_SK
      - name: HUAWEICLOUD_SDK_SK
    vars:
      - name: taurusdb_secret_key
  security_token:
    env:
      - name: HUAWEICLOUD_SDK_SECURITY_TOKEN
    vars:
      - name: taurusdb_security_token
  auth_token:
    env:
      - name: TAURUSDB_AUTH_TOKEN
    vars:
      - name: taurusdb_auth_token
  iam_user:
    vars:
      - name: taurusdb_iam_user
    ini:
      - section: taurusdb_htap
        key: iam_user
  iam_password:
    vars:
      - name: taurusdb_iam_password
  iam_domain:
    vars:
      - name: taurusdb_iam_domain
    ini:
      - section: taurusdb_htap
        key: iam_domain
  iam_endpoint:
    vars:
      - name: taurusdb_iam_endpoint
    ini:
      - section: taurusdb_htap
        key: iam_endpoint
  credentials_file:
    env:
      - name: HUAWEICLOUD_SDK_CREDENTIALS_FILE
    vars:
      - name: taurusdb_credentials_file
    ini:
      - section: taurusdb_htap
        key: credentials_file
  language:
    vars:
      - name: taurusdb_language
    ini:
      - section: taurusdb_htap
        key: language
  validate_certs:
    vars:
      - name: taurusdb_validate_certs
    ini:
      - section: taurusdb_htap
        key: validate_certs
  ca_path:
    vars:
      - name: taurusdb_ca_path
    ini:
      - section: taurusdb_htap
        key: ca_path
  client_cert:
    vars:
      - name: taurusdb_client_cert
    ini:
      - section: taurusdb_htap
        key: client_cert
  client_key:
    vars:
      - name: taurusdb_client_key
    ini:
      - section: taurusdb_htap
        key: client_key
  proxy:
    vars:
      - name: taurusdb_proxy
  metadata_credentials:
    env:
      - name: TAURUSDB_METADATA_CREDENTIALS
    vars:
      - name: taurusdb_metadata_credentials
    ini:
      - section: taurusdb_htap
        key: metadata_credentials
  metadata_url:
    env:
      - name: TAURUSDB_METADATA_URL
    vars:
      - name: taurusdb_metadata_url
    ini:
      - section: taurusdb_htap
        key: metadata_url
  connect_timeout:
    vars:
      - name: taurusdb_connect_timeout
    ini:
      - section: taurusdb_htap
        key: connect_timeout
  read_timeout:
    vars:
      - name: taurusdb_read_timeout
    ini:
      - section: taurusdb_htap
        key: read_timeout
  retries:
    vars:
      - name: taurusdb_retries
    ini:
      - section: taurusdb_htap
        key: retries
  retry_max_time:
    vars:
      - name: taurusdb_retry_max_time
    ini:
      - section: taurusdb_htap
        key: retry_max_time
  retry_backoff:
    vars:
      - name: taurusdb_retry_backoff
    ini:
      - section: taurusdb_htap
        key: retry_backoff
'''
