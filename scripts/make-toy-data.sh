#!/usr/bin/env bash
# Rebuilds toy-data/photos/*.png and toy-data/fashion-mnist/*.gz from ../shared/data (stage 1).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -o -q -B package -pl lib -DskipTests
java -Djava.awt.headless=true -cp "lib/target/classes:lib/target/lib/*" dev.diffusionlab.image.MakeToyData
