"""What each admin role may do. One table, so a route never hard-codes a list of roles."""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    VIEW = "view"  # read pages: events, health, customers
    CONFIGURE = "configure"  # install, configure, uninstall the integration; API keys
    MANAGE_USERS = "manage_users"  # create and edit customer accounts and users
    SET_PASSWORDS = "set_passwords"  # set a buyer's password (whoever knows it can sign in)
    IMPERSONATE = "impersonate"  # Login on storefront
    REPLAY = "replay"  # re-send a related request to the ERP
    HANDLE_PROBLEMS = "handle_problems"  # acknowledge and resolve problems
    TEST_INTEGRATION = "test_integration"
    MANAGE_ADMINS = "manage_admins"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "owner": frozenset(Capability),
    "admin": frozenset(Capability) - {Capability.MANAGE_ADMINS},
    "developer": frozenset(
        {
            Capability.VIEW,
            Capability.IMPERSONATE,
            Capability.REPLAY,
            Capability.TEST_INTEGRATION,
            Capability.HANDLE_PROBLEMS,
        }
    ),
    "support": frozenset({Capability.VIEW, Capability.MANAGE_USERS}),
    "platform": frozenset({Capability.MANAGE_ADMINS}),
}


def can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
