"""Shipped lists of free-email and disposable-email domains, and test addresses."""

from __future__ import annotations

from disposable_email_domains import blocklist as _disposable_blocklist

FREE_EMAIL_DOMAINS = frozenset(
    ["gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it", "hotmail.es", "live.com", "live.co.uk", "live.fr", "msn.com", "windowslive.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.it", "yahoo.es", "yahoo.ca", "yahoo.com.au", "yahoo.co.in", "yahoo.co.jp", "ymail.com", "rocketmail.com", "icloud.com", "me.com", "mac.com", "aol.com", "aim.com", "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "gmx.com", "gmx.net", "gmx.de", "gmx.at", "gmx.ch", "gmx.us", "web.de", "t-online.de", "freenet.de", "yandex.com", "yandex.ru", "ya.ru", "mail.ru", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "qq.com", "163.com", "126.com", "yeah.net", "sina.com", "sohu.com", "aliyun.com", "foxmail.com", "139.com", "naver.com", "daum.net", "hanmail.net", "zoho.com", "zohomail.com", "fastmail.com", "fastmail.fm", "hushmail.com", "tutanota.com", "tuta.io", "mail.com", "email.com", "usa.com", "inbox.com", "hey.com", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "libero.it", "virgilio.it", "btinternet.com", "sky.com", "virginmedia.com", "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "cox.net", "charter.net", "earthlink.net", "bellsouth.net", "rediffmail.com", "seznam.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl", "bol.com.br", "uol.com.br", "terra.com.br"]
)

DISPOSABLE_EMAIL_DOMAINS = frozenset(_disposable_blocklist) | frozenset(
    ["mailinator.com", "guerrillamail.com", "10minutemail.com", "tempmail.com", "temp-mail.org", "throwawaymail.com", "yopmail.com", "trashmail.com", "sharklasers.com", "getnada.com", "maildrop.cc", "dispostable.com", "fakeinbox.com", "mintemail.com"]
)

TEST_EMAIL_DOMAINS = frozenset({"example.com", "example.org", "example.net", "test.com"})


def base_domain_in(domain: str, domains: frozenset[str]) -> bool:
    """True if the domain or any parent domain is listed (mx.mailinator.com counts)."""
    if domain in domains:
        return True
    parts = domain.split(".")
    return any(".".join(parts[i:]) in domains for i in range(1, len(parts) - 1))
