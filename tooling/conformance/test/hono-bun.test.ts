import { defineConformance } from "../src/suite.ts";
import { honoBun } from "../src/targets.ts";
import { honoCases } from "./hono-cases.ts";

defineConformance(honoBun);
honoCases(honoBun);
