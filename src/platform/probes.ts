/**
 * The individual probes behind `detectPlatform`: WSL version, container kind and MSYS/Cygwin
 * shells. Each reads only the injected inputs and never throws.
 */
import type { ContainerKind, PlatformInputs } from './detect.js';

/** Files whose text names the kernel; WSL kernels say "Microsoft" in them. */
const KERNEL_FILES = ['/proc/sys/kernel/osrelease', '/proc/version'] as const;

/** Marker files a container runtime drops into the container's root. */
const CONTAINER_MARKERS: ReadonlyArray<readonly [string, ContainerKind]> = [
  ['/.dockerenv', 'docker'],
  ['/run/.containerenv', 'podman'],
];

/** Substrings of /proc/1/cgroup that betray a container, most specific first. */
const CGROUP_MARKERS: ReadonlyArray<readonly [string, ContainerKind]> = [
  ['libpod', 'podman'],
  ['docker', 'docker'],
  ['kubepods', 'container'],
  ['containerd', 'container'],
];

/**
 * Which WSL a kernel text describes: 2 for "microsoft-standard" (any case), a lower-case "-microsoft"
 * or "WSL2" (custom WSL2 kernels); 1 for "-Microsoft" (capital M, the WSL1 kernel); else null.
 */
export function wslFromKernelText(text: string): 1 | 2 | null {
  if (/microsoft-standard/i.test(text) || /-microsoft\b/.test(text) || /\bWSL2\b/.test(text)) return 2;
  if (text.includes('-Microsoft')) return 1;
  return null;
}

/**
 * WSL version on a Linux kernel, or null when this is not WSL. The kernel files decide the
 * version; when they are unreadable but WSL_DISTRO_NAME / WSL_INTEROP say WSL, it is WSL2.
 */
export function detectWsl(inputs: Pick<PlatformInputs, 'env' | 'readFile'>): 1 | 2 | null {
  for (const file of KERNEL_FILES) {
    const text = inputs.readFile(file);
    if (text === undefined) continue;
    const version = wslFromKernelText(text);
    if (version !== null) return version;
  }
  const { env } = inputs;
  const envSaysWsl = Boolean(env['WSL_DISTRO_NAME']) || Boolean(env['WSL_INTEROP']);
  return envSaysWsl ? 2 : null;
}

/** Container kind from a `container=` environment value (podman and systemd-nspawn set it). */
function containerFromEnv(value: string | undefined): ContainerKind | null {
  if (value === undefined || value === '') return null;
  const v = value.toLowerCase();
  if (v === 'podman') return 'podman';
  if (v === 'docker') return 'docker';
  return 'container';
}

/** The container this process runs in, or null. Only meaningful on Linux kernels. */
export function detectContainer(inputs: Pick<PlatformInputs, 'env' | 'readFile' | 'exists'>): ContainerKind | null {
  for (const [file, kind] of CONTAINER_MARKERS) {
    if (inputs.exists(file)) return kind;
  }
  const cgroup = inputs.readFile('/proc/1/cgroup');
  if (cgroup !== undefined) {
    for (const [marker, kind] of CGROUP_MARKERS) {
      if (cgroup.includes(marker)) return kind;
    }
  }
  return containerFromEnv(inputs.env['container']);
}

/**
 * True when a Windows node was started from a Cygwin / MSYS2 / Git-Bash shell:
 * MSYSTEM is set, OSTYPE says cygwin or msys, or TERM is "cygwin".
 */
export function detectMsys(env: PlatformInputs['env']): boolean {
  if (env['MSYSTEM']) return true;
  const ostype = env['OSTYPE'] ?? '';
  if (/cygwin|msys/i.test(ostype)) return true;
  return env['TERM'] === 'cygwin';
}
