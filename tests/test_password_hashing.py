"""Passwords are hashed with Argon2id at OWASP's parameters (config.passwords); hashes made with
Django's former default (PBKDF2) still verify and are rehashed at the next login."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import override_settings

from config.settings import base

# The test settings use a fast hasher; these tests read the real list.
REAL = override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)


@REAL
def test_new_passwords_are_argon2id_with_at_least_owasps_parameters():
    encoded = make_password("mật-khẩu-dài")
    assert encoded.startswith("argon2$argon2id$")
    params = dict(p.split("=") for p in encoded.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2 and int(params["p"]) >= 1
    assert check_password("mật-khẩu-dài", encoded)
    assert not check_password("mật-khẩu-sai", encoded)


@REAL
def test_an_old_pbkdf2_hash_verifies_and_is_upgraded_at_login():
    old = make_password("mật-khẩu-cũ", hasher="pbkdf2_sha256")
    upgraded = []

    assert check_password("mật-khẩu-cũ", old, setter=upgraded.append)

    assert upgraded == ["mật-khẩu-cũ"]  # Django's setter then saves the Argon2id hash
    assert identify_hasher(make_password(upgraded[0])).algorithm == "argon2"


def test_the_test_settings_keep_their_fast_hasher():
    assert settings.PASSWORD_HASHERS != base.PASSWORD_HASHERS
