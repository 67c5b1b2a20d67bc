# -*- coding: utf-8 -*-
# Copyright: (c) 2026, taurusdb.htap contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The replication query: what to fetch and how to judge it (module, lookup and the wait action).
    DOCUMENTATION = r'''
options:
  limit:
    description:
      - Fetch only one page of at most this many tasks (1 to 100). The server may send fewer (it caps pages at 50).
      - With O(limit) or O(offset) the listing is partial unless it holds every task, and a partial
        listing is never C(all_ready).
      - By default every page is fetched.
    type: int
  offset:
    description:
      - Fetch only one page, starting at this task index (0 is the first task). See O(limit).
    type: int
  page_concurrency:
    description:
      - How many pages are fetched at the same time (1 to 32) - those after the first; or, when the same task
        has read the task list before (the rounds of a wait, the read after a change), every page that read had,
        from the first on.
    type: int
    default: 4
  listing_attempts:
    description:
      - How many times the whole listing is read when C(total_count) changes while paging, the distinct
        tasks fetched do not add up to it, the API sends two different rows for one task, or the list changed
        between two reads of a listing that would be ready (each such read counts once). After that the
        listing is reported as incomplete or inconsistent, and the instance is not ready.
      - A listing of several pages that would be ready is read once more to prove that it did not change while
        it was read (that read counts only when it finds a change).
      - A C(total_count) above 100000, or one that would take more than 2000 page requests at the size of
        the first page, is refused as an error.
    type: int
    default: 3
  task_names:
    description:
      - Judge only the tasks with these exact names. With O(task_patterns), a task matching either is judged.
      - A named task that does not exist makes the instance not ready.
      - By default every task is judged. An empty value (V("") or V([""])) is no names; an empty name beside
        others (a stray comma) is refused.
    type: list
    elements: str
    default: []
  task_patterns:
    description:
      - Judge only the tasks whose names match one of these shell-style patterns (C(orders_*), C(*_db)).
      - An empty value (V("") or V([""])) is no patterns; an empty pattern beside others is refused.
    type: list
    elements: str
    default: []
  expected_tasks:
    description:
      - Task names that must exist. A missing one makes the instance not ready. Expected tasks are
        always judged, whatever O(task_names) and O(task_patterns) say.
      - An empty value (V("") or V([""])) is no expected tasks; an empty name beside others is refused.
    type: list
    elements: str
    default: []
  min_tasks:
    description:
      - The least number of judged tasks for the instance to be ready. The default V(1) means an
        instance with no tasks is not ready; V(0) allows it.
    type: int
    default: 1
  require_catchup:
    description:
      - Also require catch-up to be finished - C(catchup_stage) empty or C(incremental) - for a task to be ready.
    type: bool
    default: false
  explain_failures:
    description:
      - For tasks with status C(No), also read why they broke (their configuration - the last C(ALTER TABLE)
        error and the failing checks) into C(explanations), for at most 10 tasks, concurrently.
      - Only read when there is such a task. Failing to read an explanation is said in its entry and never
        changes the verdict.
    type: bool
    default: false
  return_raw:
    description:
      - Also return each task exactly as the API sent it, under C(original). Off by default to keep
        results small (the normalized fields hold the same information).
    type: bool
    default: false
'''
