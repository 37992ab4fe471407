"""Payment instruments people actually use, one module per format (python-stdnum's interface).

Import the format module and call its functions: ``from globalcrm.payments import pix``.
"""

from globalcrm.payments import (
    alipay,
    boleto,
    catalog,
    detect,
    emv_qr,
    epc_qr,
    iban,
    paynow,
    pix,
    promptpay,
    qr_image,
    swiss_qr,
    upi,
    wechat_pay,
)

__all__ = [
    "alipay",
    "boleto",
    "catalog",
    "detect",
    "emv_qr",
    "epc_qr",
    "iban",
    "paynow",
    "pix",
    "promptpay",
    "qr_image",
    "swiss_qr",
    "upi",
    "wechat_pay",
]
