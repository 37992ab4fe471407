"""Rendering personalised messages against plain Jinja2 rendering of the same templates.

globalcrm: ``messages.render`` of the shipped ``order_delayed`` template for each customer (12
languages; the variant by CLDR fallback, the register decided per customer and channel, the
salutation with vocatives and titles, the closing, the date in the customer's zone, the voucher
in their currency, bidi isolation, the sandbox, strict variables).

Baseline: the same template texts with the locale filters taken out, compiled once per language
in a plain ``jinja2.Environment`` and rendered with the customer's name as it is stored, the
date as Python prints it and the amount as plain text made before the clock starts (printing a
py-moneyed ``Money`` would call babel), picked by a dictionary lookup on the customer's
language.

Customers: ``--customers`` (default 100,000) across the twelve languages, with names drawn from
per-language pools of 30 given names and 30 surnames (about 10,000 distinct names: a customer
list repeats common names, which the name caches then serve).

Run: ``.venv/bin/python benchmarks/bench_messages.py [--customers N]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import time
from typing import Any

import jinja2

import globalcrm as gc
from globalcrm import message_filters, messages
from globalcrm.messages import render, shipped_template
from globalcrm.money import money

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)

# language: (country, zone, currency, given names, surnames)
PEOPLE: dict[str, tuple[str, str, str, list[str], list[str]]] = {
    "lt": ("LT", "Europe/Vilnius", "EUR",
           ["Jonas", "Tomas", "Mantas", "Lukas", "Paulius", "Andrius", "Darius", "Marius",
            "Vytautas", "Rokas", "Ona", "Rūta", "Eglė", "Asta", "Laura", "Gintarė", "Ieva",
            "Justina", "Agnė", "Greta", "Kęstutis", "Algirdas", "Saulius", "Giedrius",
            "Arūnas", "Inga", "Rasa", "Jurgita", "Vaida", "Aistė"],
           ["Kazlauskas", "Jankauskas", "Petrauskas", "Stankevičius", "Vasiliauskas",
            "Žukauskas", "Butkus", "Paulauskas", "Urbonas", "Kavaliauskas", "Navickas",
            "Ramanauskas", "Savickas", "Rimkus", "Baranauskas", "Petraitis", "Adomaitis",
            "Kairys", "Bložė", "Mockus", "Lukšys", "Šimkus", "Vaitkus", "Kučinskas", "Žemaitis",
            "Pocius", "Sakalauskas", "Valaitis", "Jonaitis", "Gudaitis"]),
    "lv": ("LV", "Europe/Riga", "EUR",
           ["Jānis", "Andris", "Mārtiņš", "Juris", "Kārlis", "Edgars", "Artūrs", "Māris",
            "Roberts", "Raivis", "Anna", "Līga", "Ilze", "Kristīne", "Inese", "Laura", "Dace",
            "Sanita", "Zane", "Ieva", "Aivars", "Guntis", "Uldis", "Valdis", "Oskars", "Baiba",
            "Evija", "Linda", "Agnese", "Santa"],
           ["Bērziņš", "Kalniņš", "Ozoliņš", "Jansons", "Ozols", "Liepiņš", "Krūmiņš",
            "Balodis", "Eglītis", "Zariņš", "Petersons", "Vītols", "Kļaviņš", "Kārkliņš",
            "Vanags", "Lapiņš", "Cīrulis", "Siliņš", "Kalējs", "Zvirbulis", "Lācis", "Pētersons",
            "Strods", "Avotiņš", "Graudiņš", "Zeltiņš", "Rozītis", "Dambis", "Mednis", "Priede"]),
    "fi": ("FI", "Europe/Helsinki", "EUR",
           ["Aino", "Eero", "Mikko", "Juha", "Timo", "Matti", "Pekka", "Antti", "Jukka", "Ville",
            "Anna", "Maria", "Laura", "Sanna", "Johanna", "Emma", "Elina", "Minna", "Heidi",
            "Satu", "Kari", "Sami", "Janne", "Tuomas", "Lauri", "Riikka", "Katja", "Noora",
            "Outi", "Pia"],
           ["Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
            "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
            "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo",
            "Laitinen", "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila", "Savolainen",
            "Lahtinen", "Ahonen"]),
    "he": ("IL", "Asia/Jerusalem", "ILS",
           ["נועה", "יוסי", "דוד", "משה", "אברהם", "יעקב", "מיכל", "שרה", "רחל", "תמר", "אביגיל",
            "יעל", "אורי", "איתי", "עומר", "דניאל", "מאיה", "שירה", "רוני", "גיל", "Noa", "David",
            "Daniel", "Maya", "Ori", "Tamar", "Yael", "Adam", "Sarah", "Eitan"],
           ["כהן", "לוי", "מזרחי", "פרץ", "ביטון", "דהן", "אברהם", "פרידמן", "אזולאי", "מלכה",
            "חדד", "יוסף", "דוד", "עמר", "אוחיון", "Cohen", "Levi", "Mizrahi", "Peretz",
            "Friedman", "Katz", "Shapiro", "Klein", "Segal", "Weiss", "Gold", "Stern", "Adler",
            "Baron", "Ashkenazi"]),
    "uz": ("UZ", "Asia/Tashkent", "UZS",
           ["Dilnoza", "Aziz", "Bobur", "Sardor", "Jasur", "Otabek", "Rustam", "Shahzod",
            "Sherzod", "Umid", "Nodira", "Gulnora", "Malika", "Madina", "Zarina", "Feruza",
            "Kamola", "Nigora", "Shahnoza", "Sevara", "Akmal", "Bekzod", "Doston", "Farrux",
            "Ilhom", "Lola", "Mohira", "Nilufar", "Oydin", "Yulduz"],
           ["Rashidova", "Karimov", "Aliyev", "Rahimov", "Yusupov", "Tursunov", "Ismoilov",
            "Sobirov", "Nazarov", "Qodirov", "Abdullayeva", "Ergasheva", "Hasanova", "Mirzayeva",
            "Saidova", "Umarova", "Xolmatova", "Yoqubova", "Zokirova", "Jo‘rayeva", "Azimov",
            "Boboyev", "Davronov", "G‘aniyev", "Hamidov", "Jalilov", "Komilov", "Latipov",
            "Murodov", "Normatov"]),
    "en": ("US", "America/Los_Angeles", "USD",
           ["Emily", "James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Mason", "Sophia", "Ethan",
            "Isabella", "Logan", "Mia", "Lucas", "Amelia", "Jacob", "Harper", "Michael", "Evelyn",
            "Daniel", "Abigail", "Henry", "Ella", "Jackson", "Grace", "Sam", "Alex", "Jordan",
            "Taylor", "Morgan"],
           ["Johnson", "Smith", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
            "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas",
            "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark",
            "Lewis", "Robinson", "Walker", "Young", "Allen", "King"]),
    "de": ("DE", "Europe/Berlin", "EUR",
           ["Jürgen", "Anna", "Lukas", "Mia", "Ben", "Emma", "Paul", "Hannah", "Leon", "Sophie",
            "Finn", "Lena", "Jonas", "Marie", "Elias", "Lea", "Felix", "Laura", "Max", "Julia",
            "Klaus", "Sabine", "Stefan", "Petra", "Thomas", "Andrea", "Michael", "Claudia",
            "Wolfgang", "Monika"],
           ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
            "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
            "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
            "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier"]),
    "fr": ("FR", "Europe/Paris", "EUR",
           ["Camille", "Louis", "Léa", "Hugo", "Manon", "Lucas", "Chloé", "Jules", "Emma",
            "Gabriel", "Inès", "Arthur", "Jade", "Raphaël", "Louise", "Adam", "Alice", "Nathan",
            "Lina", "Paul", "Sophie", "Pierre", "Marie", "Jean", "Claire", "Nicolas", "Julie",
            "Thomas", "Anne", "Antoine"],
           ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
            "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
            "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre",
            "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez"]),
    "es": ("ES", "Europe/Madrid", "EUR",
           ["Carlos", "María", "José", "Lucía", "Antonio", "Carmen", "Manuel", "Laura",
            "Francisco", "Marta", "David", "Ana", "Javier", "Paula", "Daniel", "Sara", "Pablo",
            "Elena", "Alejandro", "Cristina", "Sergio", "Isabel", "Jorge", "Raquel", "Alberto",
            "Pilar", "Miguel", "Rosa", "Fernando", "Teresa"],
           ["López", "García", "González", "Rodríguez", "Fernández", "Martínez", "Sánchez",
            "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno",
            "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez",
            "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano", "Blanco", "Molina"]),
    "pt-BR": ("BR", "America/Sao_Paulo", "BRL",
              ["Ana", "João", "Maria", "Pedro", "Beatriz", "Lucas", "Júlia", "Gabriel",
               "Mariana", "Rafael", "Larissa", "Gustavo", "Camila", "Felipe", "Fernanda",
               "Bruno", "Letícia", "Thiago", "Amanda", "Rodrigo", "Carla", "Eduardo", "Patrícia",
               "Marcelo", "Aline", "Diego", "Renata", "Vinícius", "Juliana", "André"],
              ["Souza", "Silva", "Santos", "Oliveira", "Pereira", "Lima", "Carvalho", "Ferreira",
               "Rodrigues", "Almeida", "Costa", "Gomes", "Martins", "Araújo", "Melo", "Barbosa",
               "Ribeiro", "Alves", "Cardoso", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira",
               "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cavalcanti"]),
    "ja": ("JP", "Asia/Tokyo", "JPY",
           ["太郎", "花子", "翔", "陽菜", "蓮", "結衣", "大翔", "葵", "悠真", "凛", "湊", "さくら",
            "陽斗", "美咲", "健太", "愛", "拓海", "優奈", "大輝", "七海", "誠", "恵", "剛", "由美",
            "博", "裕子", "修", "直子", "学", "明美"],
           ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
            "吉田", "山口", "松本", "井上", "木村", "林", "斎藤", "清水", "山崎", "森", "池田",
            "橋本", "阿部", "石川", "山下", "中島", "石井", "小川", "前田"]),
    "zh": ("CN", "Asia/Shanghai", "CNY",
           ["小明", "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
            "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "华", "建国", "婷",
            "鑫", "宇", "浩"],
           ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
            "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯",
            "邓", "曹"]),
}
GENDERS = ("female", "male", None, "non_binary")
FORMALITIES = (None, None, "formal", "informal")


def customers(count: int, *, distinct: bool = False) -> list[gc.Customer]:
    """``count`` customers spread over the twelve languages, names drawn from the pools.

    ``distinct``: every surname is made unique within its language (another surname of the pool
    put in front), so that no cache of names helps: the worst case.
    """
    people = []
    languages = list(PEOPLE)
    for index in range(count):
        language = languages[index % len(languages)]
        country, zone, currency, givens, surnames = PEOPLE[language]
        round_ = index // len(languages)
        surname = surnames[(round_ // len(givens)) % len(surnames)]
        if distinct:
            block = round_ // (len(givens) * len(surnames))
            surname = surnames[block % len(surnames)] + surname.lower() + "ab"[block // 900 % 2]
        people.append(
            gc.Customer(
                name=gc.PersonName(
                    given=givens[round_ % len(givens)],
                    surname=surname,
                    locale=language,
                ),
                country=country,
                language=language,
                time_zone=zone,
                currency=currency,
                gender=GENDERS[round_ % len(GENDERS)],
                formality=FORMALITIES[(round_ // 3) % len(FORMALITIES)],
            )
        )
    return people


def values_for(customer: gc.Customer, index: int) -> dict[str, Any]:
    return {
        "brand": "Acme",
        "order": f"A-{100_000 + index}",
        "expected": dt.date(2026, 12, 4) + dt.timedelta(days=index % 30),
        "voucher": money(5 + index % 20, customer.currency),
    }


_FILTER = re.compile(r"\|\s*\w+(\([^)]*\))?")


def plain_templates() -> dict[str, tuple[jinja2.Template, jinja2.Template]]:
    """The shipped subjects and texts with every filter taken out, in plain Jinja2."""
    environment = jinja2.Environment(autoescape=False, trim_blocks=True, lstrip_blocks=True)  # noqa: S701
    shipped = shipped_template("order_delayed")
    plain = {}
    for variant in shipped.variants.values():
        language = variant.locale.split("-")[0] if variant.locale != "pt-BR" else "pt-BR"
        plain[language] = (
            environment.from_string(_FILTER.sub("", variant.formal.subject or "")),
            environment.from_string(_FILTER.sub("", variant.formal.text)),
        )
    return plain


def _cold() -> None:
    """Empty the caches a rendering fills, as in a fresh process."""
    for cache in (messages._opening, messages._closing, message_filters._formatted_money,
                  message_filters._format_date):
        cache.cache_clear()


Calls = list[tuple[gc.Customer, dict[str, Any], dict[str, Any]]]


def _ours(calls: Calls) -> float:
    _cold()
    start = time.perf_counter()
    for person, values, _ in calls:
        render("order_delayed", person, channel="email", now=NOW, values=values)
    return time.perf_counter() - start


def _baseline(calls: Calls) -> float:
    plain = plain_templates()
    start = time.perf_counter()
    for person, _, values in calls:
        subject, text = plain[person.language]
        subject.render(values)
        text.render(salutation=person.name.full, closing="", now=NOW, **values)
    return time.perf_counter() - start


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    voucher = values["voucher"]
    return {**values, "voucher": f"{voucher.amount} {voucher.currency.code}"}


def run(people: list[gc.Customer], rounds: int) -> list[tuple[float, float]]:
    """Per round, globalcrm's seconds and the baseline's (the mean of one run before, one after).

    The machine is shared and its speed drifts: pairing each run with baselines around it
    keeps the drift out of the ratio.
    """
    calls = []
    for index, person in enumerate(people):
        values = values_for(person, index)
        calls.append((person, values, _plain(values)))
    results = []
    for _ in range(rounds):
        before = _baseline(calls)
        ours = _ours(calls)
        after = _baseline(calls)
        results.append((ours, (before + after) / 2))
    return results


def main() -> None:
    """Print both timings and their ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--distinct", action="store_true", help="every name different")
    args = parser.parse_args()
    gc.open("sqlite://").close()  # map the domain first, as an application does
    people = customers(args.customers, distinct=args.distinct)
    render("order_delayed", people[0], channel="email", now=NOW, values=values_for(people[0], 0))
    n = len(people)
    results = run(people, args.rounds)
    for index, (ours, baseline) in enumerate(results, 1):
        print(f"round {index}: globalcrm {ours:.2f} s ({ours / n * 1e6:.1f} µs/message), "
              f"plain Jinja2 {baseline:.2f} s ({baseline / n * 1e6:.1f} µs/message), "
              f"ratio {ours / baseline:.2f}")
    ratios = sorted(ours / baseline for ours, baseline in results)
    print(f"{n:,} personalised messages: median ratio {ratios[len(ratios) // 2]:.2f} "
          "(target at most 3)")


if __name__ == "__main__":
    main()
