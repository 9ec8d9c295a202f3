import { defineConformance } from "../src/suite.ts";
import { honoNode } from "../src/targets.ts";
import { honoCases } from "./hono-cases.ts";

defineConformance(honoNode);
honoCases(honoNode);
