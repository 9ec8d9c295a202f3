import { defineConformance } from "../src/suite.ts";
import { node20H2, node20H2c, node20Http, node20Https } from "../src/targets.ts";

for (const target of [node20Http, node20Https, node20H2c, node20H2]) defineConformance(target);
