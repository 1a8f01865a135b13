"""Whitespace tokens whose lemma is the accent-free form, so "giấy tờ", "giay to" and "Giấy Tờ" are one feature.

Citizens type with full, partial or no diacritics; without folding the classifier has to learn every
spelling separately and an intent seen only with accents is missed without them. Token text and offsets
are untouched, so entity values are still cut from what the citizen typed.
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from knowledge_base.text import fold


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingTokenizer(WhitespaceTokenizer):
    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.lemma = fold(token.text)
        return tokens
