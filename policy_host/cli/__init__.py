"""Thin command-line front end: parse, call, render. Each command lives in its own module."""
