#!/usr/bin/env python
"""Django's command-line utility for Wenming."""

from wenming.__main__ import main

if __name__ == "__main__":
    main()
