from kit import push_signature

SECRET = "s3cret"
BODY = b'{"type":"CustomerRegistered","customerId":"01J0"}'
NOW = 1_800_000_000


def test_a_signed_body_verifies() -> None:
    header = push_signature.sign(SECRET, BODY, now=NOW)
    assert push_signature.verify(SECRET, BODY, header, now=NOW + 10)


def test_a_changed_body_fails() -> None:
    header = push_signature.sign(SECRET, BODY, now=NOW)
    assert not push_signature.verify(SECRET, BODY.replace(b"01J0", b"01J1"), header, now=NOW)


def test_another_secret_fails() -> None:
    header = push_signature.sign("other", BODY, now=NOW)
    assert not push_signature.verify(SECRET, BODY, header, now=NOW)


def test_an_old_signature_is_a_replay() -> None:
    header = push_signature.sign(SECRET, BODY, now=NOW)
    assert not push_signature.verify(SECRET, BODY, header, now=NOW + push_signature.MAX_AGE_SECONDS + 1)


def test_missing_or_garbled_headers_and_an_empty_secret_fail() -> None:
    good = push_signature.sign(SECRET, BODY, now=NOW)
    for header in (None, "", "garbage", "t=abc,v1=00", "v1=00", f"t={NOW}"):
        assert not push_signature.verify(SECRET, BODY, header, now=NOW)
    assert not push_signature.verify("", BODY, good, now=NOW)
