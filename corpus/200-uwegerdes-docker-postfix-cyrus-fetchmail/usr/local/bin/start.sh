#!/bin/bash

echo "mailserver started"

# keep container alive
sleep infinity
