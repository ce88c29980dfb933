#!/bin/bash
# Shared by the scripts of the Kinora YunoHost package. Kinora needs no extra helpers: the
# binary, its TOML configuration and its data directory are all there is.
