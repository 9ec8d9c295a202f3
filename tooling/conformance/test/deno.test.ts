import { defineConformance } from "../src/suite.ts";
import { deno } from "../src/targets.ts";

defineConformance(deno);
