"""Workforce: how many hotline agents a forecast needs (Erlang C, Erlang A), pure computation."""
