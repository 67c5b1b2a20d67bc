# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The heartbeat's options: at the top of taurusdb_starrocks_replication_lag (DOCUMENTATION), and under the
    # heartbeat option of the wait action and the event source (GATE). Literal strings: ansible-test reads them
    # without running Python.
    DOCUMENTATION = r'''
options:
  source:
    description:
      - How to reach the source database (TaurusDB), where the heartbeat is written and whose clock measures
        the lag. The keys are community.mysql's, with the same meanings.
    type: dict
    required: true
    suboptions: &side
      login_host:
        description: Host name or IP address of the server.
        type: str
        required: true
      login_port:
        description:
          - Port of the server's MySQL protocol. The StarRocks frontend's MySQL port is usually C(9030).
          - Not used with C(login_unix_socket).
        type: int
        default: 3306
      login_user:
        description:
          - The user to log in as. When not given, the name of the user the module runs as (as the MySQL client does).
        type: str
      login_password:
        description: The user's password. Never shown in output.
        type: str
      login_unix_socket:
        description: A Unix socket to connect to instead of C(login_host) and C(login_port).
        type: str
      database:
        description: The database that holds the heartbeat table.
        type: str
        required: true
      ca_cert:
        description:
          - CA certificate(s) to verify the server's certificate with. Giving any of C(ca_cert), C(client_cert),
            C(client_key) or C(check_hostname) makes the connection use TLS; as with community.mysql, the server's
            certificate is verified only when C(ca_cert) is given.
        type: path
        aliases: [ssl_ca]
      client_cert:
        description: Client certificate (PEM) for TLS.
        type: path
        aliases: [ssl_cert]
      client_key:
        description: The client certificate's private key (PEM), unless C(client_cert) holds it.
        type: path
        aliases: [ssl_key]
      check_hostname:
        description:
          - Whether the server's certificate must name C(login_host) (with C(ca_cert); default true then).
        type: bool
      connect_timeout:
        description:
          - Seconds to wait for the connection, and for the answer to each statement (each is one row).
        type: float
        default: 10.0
  target:
    description:
      - How to reach the target database (the StarRocks frontend), where the synchronization task copies the
        heartbeat table (its own database name, which may differ from the source's). The same keys as
        C(source); only the heartbeat table is read there.
    type: dict
    required: true
    suboptions: *side
  table:
    description:
      - The heartbeat table, in C(source.database) and C(target.database). A letter followed by up to 63
        letters, digits and underscores; anything else is refused before connecting.
    type: str
    default: taurusdb_htap_heartbeat
  create:
    description:
      - Create the table on the source (C(CREATE TABLE IF NOT EXISTS)) when it is not there. Only on the
        source - the synchronization task creates it on the target once the table is among its tables.
      - Needs the C(CREATE) privilege on the source database.
    type: bool
    default: false
  write:
    description:
      - Write a new heartbeat and wait for it on the target (true), or only measure the age of what the target
        holds (false).
    type: bool
    default: true
'''

    GATE = r'''
options:
  heartbeat:
    description:
      - Measure data freshness too - the heartbeat lag from TaurusDB (C(source)) to StarRocks (C(target)), as
        M(taurusdb.htap.taurusdb_starrocks_replication_lag) measures it, judged against O(max_lag) (give both).
      - Needs the Python library PyMySQL where this runs (the controller). Passwords never appear in output.
    type: dict
    suboptions:
      source:
        description:
          - How to reach the source database (TaurusDB), where the heartbeat is written and whose clock measures
            the lag. The keys are community.mysql's, with the same meanings.
        type: dict
        required: true
        suboptions: &side
          login_host:
            description: Host name or IP address of the server.
            type: str
            required: true
          login_port:
            description:
              - Port of the server's MySQL protocol. The StarRocks frontend's MySQL port is usually C(9030).
              - Not used with C(login_unix_socket).
            type: int
            default: 3306
          login_user:
            description:
              - The user to log in as. When not given, the name of the user the module runs as (as the MySQL client does).
            type: str
          login_password:
            description: The user's password. Never shown in output.
            type: str
          login_unix_socket:
            description: A Unix socket to connect to instead of C(login_host) and C(login_port).
            type: str
          database:
            description: The database that holds the heartbeat table.
            type: str
            required: true
          ca_cert:
            description:
              - CA certificate(s) to verify the server's certificate with. Giving any of C(ca_cert), C(client_cert),
                C(client_key) or C(check_hostname) makes the connection use TLS; as with community.mysql, the server's
                certificate is verified only when C(ca_cert) is given.
            type: path
            aliases: [ssl_ca]
          client_cert:
            description: Client certificate (PEM) for TLS.
            type: path
            aliases: [ssl_cert]
          client_key:
            description: The client certificate's private key (PEM), unless C(client_cert) holds it.
            type: path
            aliases: [ssl_key]
          check_hostname:
            description:
              - Whether the server's certificate must name C(login_host) (with C(ca_cert); default true then).
            type: bool
          connect_timeout:
            description:
              - Seconds to wait for the connection, and for the answer to each statement (each is one row).
            type: float
            default: 10.0
      target:
        description:
          - How to reach the target database (the StarRocks frontend), where the synchronization task copies the
            heartbeat table (its own database name, which may differ from the source's). The same keys as
            C(source); only the heartbeat table is read there.
        type: dict
        required: true
        suboptions: *side
      table:
        description:
          - The heartbeat table, in C(source.database) and C(target.database). A letter followed by up to 63
            letters, digits and underscores; anything else is refused before connecting.
        type: str
        default: taurusdb_htap_heartbeat
      create:
        description:
          - Create the table on the source (C(CREATE TABLE IF NOT EXISTS)) when it is not there. Only on the
            source - the synchronization task creates it on the target once the table is among its tables.
          - Needs the C(CREATE) privilege on the source database.
        type: bool
        default: false
      write:
        description:
          - Write a new heartbeat and wait for it on the target (true), or only measure the age of what the target
            holds (false).
        type: bool
        default: true
'''
