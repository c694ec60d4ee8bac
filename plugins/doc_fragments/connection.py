# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # Authentication and connection options shared by every module.
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - "Bird access key, sent as C(Authorization: AccessKey <key>)."
      - Required. If not set, the value of the E(BIRD_ACCESS_KEY) environment variable is used; this is what
        the Bird credential type of AWX and Ansible Automation Platform injects.
      - The key is never shown in output, errors or diffs.
    type: str
  api_url:
    description:
      - Base URL of the Bird API. If not set, the value of the E(BIRD_API_URL) environment variable is used, else
        V(https://api.bird.com). Plain C(http://) gives a warning, as the key would travel unencrypted.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(api_url).
      - Set to V(false) only for a test endpoint you trust; a warning is given.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM CA bundle to verify the TLS certificate of O(api_url) (a corporate proxy's, say). If not
        set, the CA bundle of C(requests) (or E(REQUESTS_CA_BUNDLE)) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for a connection and for each response.
    type: int
    default: 30
  retries:
    description:
      - How many times a failed request is retried, with jittered backoff honouring C(Retry-After). Reads are
        retried after HTTP 429, 5xx and connection errors; a write only after HTTP 429 (not processed), else
        what it may have made is looked for first.
    type: int
    default: 5
notes:
  - Proxies are taken from the E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables, as
    C(requests) does.
  - Every request carries a User-Agent naming this collection and its version.
requirements:
  - requests
"""

    # The workspace of the modules that work in one.
    WORKSPACE = r"""
options:
  workspace_id:
    description:
      - UUID of the Bird workspace (compared case-insensitively).
      - If not set, the value of the E(BIRD_WORKSPACE_ID) environment variable is used.
    type: str
    required: true
"""

    # The organization of the modules that work with webhook subscriptions (Notifications API).
    ORGANIZATION = r"""
options:
  organization_id:
    description:
      - UUID of the Bird organization that the workspace belongs to (compared case-insensitively).
      - If not set, the value of the E(BIRD_ORGANIZATION_ID) environment variable is used.
    type: str
    required: true
"""
