#!/usr/bin/env bash

/usr/local/bin/mailserverstop.sh
