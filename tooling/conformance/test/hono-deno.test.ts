import { defineConformance } from "../src/suite.ts";
import { honoDeno } from "../src/targets.ts";
import { honoCases } from "./hono-cases.ts";

defineConformance(honoDeno);
honoCases(honoDeno);
