import { defineConformance } from "../src/suite.ts";
import { node24H2c, node24Http } from "../src/targets.ts";

for (const target of [node24Http, node24H2c]) defineConformance(target);
