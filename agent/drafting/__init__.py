"""The drafting layer: facts in, a checked reminder (subject and body) out.

``facts`` holds what a reminder may state, ``tone`` the tone policy, ``templates`` the offline
drafter, ``guardrails`` the fact and wording checks, ``writer`` the LLM-then-template flow.
"""
