"""Webhook rules without a server (docs/webhooks.md): the SSRF address policy at its edges, URL
checks, the event catalogue against the schema's enum, secret sealing with key rotation, signing."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.fernet import InvalidToken

from core import webhooks
from core.errors import BadUserInput
from core.settings import Settings
from core.webhooks_graph import WebhookEventType

OPEN = Settings(webhook_allowed_networks="")
LOOPBACK = Settings(webhook_allowed_networks="127.0.0.0/8, 10.20.0.0/16")


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("127.255.255.255", False),
        ("10.0.0.0", False),
        ("172.15.255.255", True),  # just below 172.16/12
        ("172.16.0.0", False),
        ("172.31.255.255", False),
        ("172.32.0.0", True),  # just above it
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # shared address space (carrier NAT)
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:93.184.216.34", True),
        ("ff02::1", False),
    ],
)
def test_only_globally_routable_addresses_are_targets(address, allowed):
    assert webhooks.address_allowed(address, OPEN) is allowed


def test_allowed_networks_open_a_private_range_and_nothing_more():
    assert webhooks.address_allowed("127.0.0.1", LOOPBACK)
    assert webhooks.address_allowed("10.20.255.255", LOOPBACK)
    assert not webhooks.address_allowed("10.21.0.0", LOOPBACK)
    assert not webhooks.address_allowed("::1", LOOPBACK)
    assert webhooks.address_allowed("::ffff:127.0.0.1", LOOPBACK)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://api.localhost/",
        "http://[::]/",
        "http://0.0.0.0:8080/",
    ],
)
def test_loopback_in_any_spelling_is_refused(url):
    with pytest.raises(BadUserInput) as raised:
        webhooks.check_url(url, OPEN)
    assert raised.value.extensions["reason"] == "PRIVATE_ADDRESS"
    if "[" not in url and "0.0.0.0" not in url:
        assert webhooks.check_url(url, LOOPBACK)  # unless 127/8 is allowed (0.0.0.0 and :: are not in it)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("HTTPS://user@hooks.example.com", "CREDENTIALS"),
        ("https://:pw@hooks.example.com", "CREDENTIALS"),
        ("data:text/plain,hi", "SCHEME"),
        ("//hooks.example.com/x", "SCHEME"),
        ("https://hooks.example.com/\r\nX-Injected: 1", "INVALID"),
        ("https://hooks.example.com:99999/", "INVALID"),
        ("http://0177.0.0.1/", "INVALID"),  # octal loopback: httpx refuses leading zeros
        (None, "REQUIRED"),
        ("   ", "REQUIRED"),
    ],
)
def test_bad_urls_name_their_fault(url, reason):
    with pytest.raises(BadUserInput) as raised:
        webhooks.check_url(url, OPEN)
    assert raised.value.extensions == {"field": "url", "reason": reason}


def test_public_urls_are_kept():
    assert webhooks.check_url(" https://Hooks.Example.com:8443/a?b=1 ", OPEN) == "https://hooks.example.com:8443/a?b=1"
    assert webhooks.check_url("http://93.184.216.34/x", OPEN) == "http://93.184.216.34/x"
    assert len(webhooks.check_url("https://h.example.com/" + "a" * 2000, OPEN)) <= webhooks.MAX_URL_CHARS


def test_the_enum_is_the_catalogue():
    assert [e.value for e in WebhookEventType] == [e.key for e in webhooks.EVENTS]
    assert len({e.name for e in webhooks.EVENTS}) == len(webhooks.EVENTS)
    assert webhooks.check_events(["SHARE_REVOKED", "RENEWAL_ACCEPTED", "SHARE_REVOKED"]) == [
        "renewal.accepted",
        "renewal.unshared",
    ]
    with pytest.raises(BadUserInput):
        webhooks.check_events(["NOPE"])


def test_secrets_are_sealed_and_survive_a_key_rotation():
    old = Settings(webhook_secrets_keys="first-key")
    secret = webhooks.new_secret()
    sealed = webhooks.seal(old, secret)
    assert secret not in sealed and webhooks.unseal(old, sealed) == secret
    rotated = Settings(webhook_secrets_keys="second-key,first-key")
    assert webhooks.unseal(rotated, sealed) == secret
    with pytest.raises(InvalidToken):
        webhooks.unseal(Settings(webhook_secrets_keys="second-key"), sealed)
    assert webhooks.new_secret() != secret


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"id":"evt_1"}'
    expected = hmac.new(b"whsec_k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.signature("whsec_k", 1700000000, body) == f"t=1700000000,v1={expected}"


def test_every_subscribable_event_is_declared_by_its_module():
    """The catalogue names real events: each is declared (core/events.py) by an installed module."""
    from core.plugins import load_plugins

    declared = load_plugins().events
    assert [e.name for e in webhooks.EVENTS if e.name not in declared] == []
    assert not [e for e in webhooks.EVENTS if e.name.endswith(".imported")]
