from hypothesis import given
from hypothesis import strategies as st
from kit.web import push_signature

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


def test_headers_that_are_not_what_sign_writes_fail_without_raising() -> None:
    good = push_signature.sign(SECRET, BODY, now=NOW)
    digest = good.split("v1=")[1]
    for header in (
        f"t={NOW},v1=é{digest[1:]}",  # non-ASCII: hmac.compare_digest raises TypeError on it
        "t=é,v1=ü",
        f"t=\u0661\u0668{str(NOW)[2:]},v1={digest}",  # Arabic-Indic digits, which int() reads
        f"t={'9' * 5000},v1={digest}",  # more digits than int() converts
        f" {good}",
        f"{good},t=1",
        good.upper(),
    ):
        assert push_signature.verify(SECRET, BODY, header, now=NOW) is False, header


@given(header=st.text(max_size=300))
def test_any_header_text_verifies_false_or_true_never_raises(header: str) -> None:
    assert push_signature.verify(SECRET, BODY, header, now=NOW) in (False, True)
    assert push_signature.verify(SECRET, BODY, push_signature.sign(SECRET, BODY, now=NOW), now=NOW)
