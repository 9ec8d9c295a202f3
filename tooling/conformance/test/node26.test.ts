import { defineConformance } from "../src/suite.ts";
import { node26H2c, node26Http } from "../src/targets.ts";

for (const target of [node26Http, node26H2c]) defineConformance(target);
