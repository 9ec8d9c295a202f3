/**
 * Reads the few fields the Kubernetes test needs from deployment.yaml with small, strict patterns (no YAML
 * library): each pattern must match exactly once, so a reshaped manifest fails the test instead of being misread.
 */

export interface ManifestFacts {
  readonly terminationGracePeriodSeconds: number;
  readonly workingDir: string;
  /** The container's `command`. */
  readonly command: readonly string[];
  /** The `lifecycle.preStop.exec.command`. */
  readonly preStop: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly readinessPath: string;
  readonly livenessPath: string;
  /** The `control` volume's mount path (where the socket lives). */
  readonly controlMountPath: string;
}

/** Pull the facts out of the manifest's text. */
export function readManifest(text: string): ManifestFacts {
  const env: Record<string, string> = {};
  for (const match of text.matchAll(/- name: (\w+)\n\s+value: "?([^"\n]*)"?/g)) env[match[1] as string] = match[2] as string;
  return {
    terminationGracePeriodSeconds: Number(one(text, /^\s+terminationGracePeriodSeconds: (\d+)$/m)),
    workingDir: one(text, /^\s+workingDir: (\S+)$/m),
    command: JSON.parse(one(text, /^\s+workingDir: \S+\n\s+command: (\[.*\])$/m)) as string[],
    preStop: JSON.parse(one(text, /preStop:\n\s+exec:\n(?:\s+#.*\n)*\s+command: (\[.*\])$/m)) as string[],
    env,
    readinessPath: one(text, /readinessProbe:\n(?:\s+#.*\n)*\s+httpGet:\n\s+path: (\S+)$/m),
    livenessPath: one(text, /livenessProbe:\n(?:\s+#.*\n)*\s+httpGet:\n\s+path: (\S+)$/m),
    controlMountPath: one(text, /- name: control\n\s+mountPath: (\S+)$/m),
  };
}

function one(text: string, pattern: RegExp): string {
  const global = new RegExp(pattern.source, `${pattern.flags}g`);
  const matches = [...text.matchAll(global)];
  if (matches.length !== 1) throw new Error(`expected exactly one match of ${pattern} in the manifest, found ${matches.length}`);
  return (matches[0] as RegExpMatchArray)[1] as string;
}
