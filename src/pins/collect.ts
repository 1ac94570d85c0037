/**
 * The refs `--network` looks up, from the findings of a first pass of the pin rules: those that
 * found no pin in the user's map (skip reason `needs-pin-map`). A finding whose map entry is
 * refused (message `refusedEntry`) is the user's to correct, and is not looked up over it. What a
 * ref is comes from the finding's `data`, which is part of the rules' report format (json):
 * unpinned-action gives `uses` (`owner/repo[/path]@ref`, `docker://image`), unpinned-base-image
 * `image` (with the ARG defaults substituted; a FROM through an ARG is never fixed, so its
 * finding has another skip reason and is not collected).
 */
import type { Finding } from '../model/types.js';
import { splitActionRef } from '../formats/pin-map.js';
import type { PinRequest } from './resolve.js';

export function pinRequests(findings: readonly Finding[]): PinRequest[] {
  const out: PinRequest[] = [];
  for (const f of findings) {
    if (f.skipReason !== 'needs-pin-map' || f.messageId === 'refusedEntry' || !f.data) continue;
    const { uses, image } = f.data;
    if (typeof image === 'string' && image !== '') {
      out.push({ kind: 'images', image, file: f.file });
      continue;
    }
    if (typeof uses !== 'string') continue;
    if (uses.startsWith('docker://')) {
      const ref = uses.slice('docker://'.length);
      if (ref !== '' && !ref.includes('@')) out.push({ kind: 'images', image: ref, file: f.file });
      continue;
    }
    const split = splitActionRef(uses);
    if (split) out.push({ kind: 'actions', name: split.name, ref: split.ref, file: f.file });
  }
  return out;
}
