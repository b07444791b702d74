#!/usr/bin/env python3
"""Writes the WordPiece tokenizer fixture: a generated corpus and the ids Hugging Face `tokenizers`
gives each sentence with all-MiniLM-L6-v2's tokenizer (truncation at 512, no padding).

The corpus is GENERATED text (seeded, deterministic), not natural prose: templates and word lists
mixed with accents, punctuation, numbers, CJK, emoji, control characters, mixed scripts, special
tokens written into the text, over-long words and inputs of more than 512 tokens.

    Benchmarks/.venv-embed/bin/pip install tokenizers
    Benchmarks/.venv-embed/bin/python scripts/tokenizer_fixture.py "$(bash scripts/fetch-model.sh)"

Output: Tests/MLPModelsTests/Fixtures/wordpiece-minilm.jsonl, one {"text", "ids"} object a line.
"""
import json
import os
import random
import sys

from tokenizers import Tokenizer

SEED = 20261201
COUNT = 2400
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "MLPModelsTests", "Fixtures", "wordpiece-minilm.jsonl")

ENGLISH = """the a model pipeline runs data training evaluation quick brown fox jumps over lazy dog
tokenizer embedding vector transformer attention layer weights quantized inference server request
latency throughput benchmark dataset feature label accuracy precision recall unbelievable
internationalization counterrevolutionary antidisestablishmentarianism pneumonia xylophone
running jumped happily unhappiness preprocessing reimplementation GPU CPU AVX2 float16 bfloat16
Swift Python Rust JSON YAML HTTP/2 OAuth e-mail co-operate don't won't it's they're o'clock""".split()
ACCENTED = """café naïve résumé façade coöperate Zürich Müller straße Ångström São Paulo niño
jalapeño crème brûlée déjà vu Đà Nẵng Hà Nội tiếng Việt Ærø Øresund Łódź Kraków Dvořák
İstanbul ŞIŞLI Ελληνικά ΣΟΦΙΑ σοφός Ὀδυσσεύς Москва Ёжик Київ ΆΈΉΊΌΎΏ ﬁnance ﬂow ǅemal
Ⅻ ½ ² ℃ ™ Å K""".split()
CJK = ["机器学习模型", "我爱自然语言处理", "東京は日本の首都です", "ひらがなとカタカナ", "한국어 문장입니다",
       "中文，标点符号。", "「引用」と『二重引用』", "𠮷野家", "繁體中文測試", "漢字かな交じり文",
       "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３", "丂丄丅丆万丈三上下", "〇一二三四五", "豈更車賈滑"]
OTHER = ["مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "ሰላም ልዑል", "Γειά σου Κόσμε",
         "Привет, мир!", "Բարեւ աշխարհ", "გამარჯობა", "ਸਤਿ ਸ੍ਰੀ ਅਕਾਲ", "வணக்கம்", "ສະບາຍດີ"]
EMOJI = ["😀", "😂", "👍", "👍🏽", "❤️", "🎉", "🚀", "🤖", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵", "☕", "✨",
         "🔥", "💯", "🙈", "🥲", "🫠", "🧑‍💻", "⭐", "©", "®"]
PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["…", "—", "–", "“", "”", "‘", "’", "«", "»", "¿", "¡",
         "§", "¶", "•", "·", "‰", "′", "″", "‹", "›", "‽", "⁂", "、", "。", "〜", "・", "¥", "€", "£", "¢", "°", "±", "×", "÷"]
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u00ad", "\u200b", "\u200c",
           "\u200d", "\u200e", "\u2028", "\u2029", "\u2060", "\ufeff", "\ufffd", "\t", "\n", "\r\n", "\u00a0",
           "\u3000", "\u2003", "\ue000", "\U000f0000"]
SPECIAL = ["[MASK]", "[SEP]", "[CLS]", "[UNK]", "[PAD]", "[mask]", "[ MASK ]", "[MASK][MASK]", "x[SEP]y"]
# Blocks to draw random characters from (assigned in Unicode 9 and later alike).
BLOCKS = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x5FF), (0x600, 0x6FF),
          (0x900, 0x97F), (0xE00, 0xE5B), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20BF), (0x2100, 0x214F),
          (0x2190, 0x21FF), (0x2200, 0x22FF), (0x3040, 0x309F), (0x30A0, 0x30FF), (0x4E00, 0x4FFF), (0xAC00, 0xAD00),
          (0xFF00, 0xFF5E), (0x1F300, 0x1F5FF), (0x1F600, 0x1F64F)]


def number(rng):
    kind = rng.randrange(7)
    if kind == 0:
        return str(rng.randrange(10 ** rng.randrange(1, 12)))
    if kind == 1:
        return f"{rng.uniform(-1000, 1000):.{rng.randrange(0, 6)}f}"
    if kind == 2:
        return f"{rng.randrange(1900, 2100)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    if kind == 3:
        return f"+1 ({rng.randrange(200, 999)}) {rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}"
    if kind == 4:
        return f"${rng.randrange(1, 10 ** 6):,}.{rng.randrange(100):02d}"
    if kind == 5:
        return f"{rng.randrange(100)}%"
    return f"{rng.uniform(0, 1):.3e}"


def word(rng):
    kind = rng.random()
    if kind < 0.45:
        w = rng.choice(ENGLISH)
    elif kind < 0.6:
        w = rng.choice(ACCENTED)
    elif kind < 0.68:
        w = number(rng)
    elif kind < 0.74:
        w = rng.choice(CJK)
    elif kind < 0.79:
        w = rng.choice(OTHER)
    elif kind < 0.85:
        w = rng.choice(EMOJI)
    elif kind < 0.93:
        w = rng.choice(PUNCT)
    elif kind < 0.97:
        w = "".join(chr(rng.randrange(*block)) for block in [rng.choice(BLOCKS)] * rng.randrange(1, 6))
    else:
        w = rng.choice(SPECIAL)
    if rng.random() < 0.15:
        w = w.upper() if rng.random() < 0.5 else w.title()
    return w


def separator(rng):
    r = rng.random()
    if r < 0.8:
        return " "
    if r < 0.9:
        return ""
    return rng.choice(CONTROL)


def sentence(rng, words):
    parts = []
    for _ in range(words):
        parts.append(word(rng))
        parts.append(separator(rng))
    text = "".join(parts).strip(" ")
    if rng.random() < 0.5:
        text += rng.choice([".", "!", "?", "...", " :)", "?!", "。"])
    return text


def corpus():
    rng = random.Random(SEED)
    texts = ["", " ", "\t\n", "Hello, world!", "[CLS] hello [SEP]", "UNaffable", "a" * 100, "a" * 101,
             "é" * 101, "x" + "\u0301" * 120, "##", "##ing", "i'm", "ﬁ", "İ", "ß", "ΣΑΣ", "\u212b", "K",
             "e\u0301", "\u00e9", "한", "\u1112\u1161\u11ab", "\U0002b920", "\U0002b81f", "\U0002b820"]
    for length in (450, 600):  # inputs of more than 512 tokens
        for _ in range(6):
            texts.append(sentence(rng, length))
    while len(texts) < COUNT:
        texts.append(sentence(rng, rng.choice([1, 2, 3, 5, 8, 12, 20, 40])))
    return texts


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tokenizer_fixture.py MODEL_DIR  (the folder with tokenizer.json; see scripts/fetch-model.sh)")
    tokenizer = Tokenizer.from_file(os.path.join(sys.argv[1], "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(512)
    with open(OUT, "w", encoding="utf-8") as out:
        for text in corpus():
            ids = tokenizer.encode(text).ids
            out.write(json.dumps({"text": text, "ids": ids}, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
