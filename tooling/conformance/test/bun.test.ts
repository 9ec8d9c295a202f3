import { defineConformance } from "../src/suite.ts";
import { bun } from "../src/targets.ts";

defineConformance(bun);
