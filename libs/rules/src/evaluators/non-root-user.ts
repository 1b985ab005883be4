import type { Finding, IdRange } from '../types';
import { type ContainerRef, type EffectiveSetting, type WorkloadView, describeType, effectiveSecuritySetting, isArray } from '../workload';
import { type EvaluatorFactory, containerSecurityContext, describeValue, finding, reportStructuralProblems } from './shared';

const RULE = 'non-root-user';

type IdKind = 'user' | 'group';

export const nonRootUser: EvaluatorFactory<typeof RULE> = (params) => {
  const userRanges = params.allowedUserIds;
  const groupRanges = params.allowedGroupIds;
  const userRangesText = userRanges && describeRanges(userRanges);
  const groupRangesText = groupRanges && describeRanges(groupRanges);

  return (doc, out) => {
    const view = doc.workload;
    if (view === undefined) return;
    reportStructuralProblems(RULE, view, out);
    const podSc = view.podSpec?.securityContext;
    if (podSc !== undefined && podSc !== null && view.podSecurityContext === undefined) {
      out.push(
        finding(
          RULE,
          `${view.podSpecPath}.securityContext`,
          `pod securityContext must be an object but is ${describeType(podSc)}; fix it so runAsNonRoot and the user and group ids can be checked`,
        ),
      );
    }
    // A pod-level value inherited by several containers is reported once, at the pod.
    let reportedPodPaths: Set<string> | undefined;
    const report = (setting: EffectiveSetting, message: string, ref: ContainerRef): void => {
      if (setting.source === 'pod') {
        reportedPodPaths ??= new Set();
        if (reportedPodPaths.has(setting.path)) return;
        reportedPodPaths.add(setting.path);
        out.push(finding(RULE, setting.path, `pod ${message}`));
        return;
      }
      out.push(finding(RULE, setting.path, `${ref.label}: ${message}`, ref.name));
    };

    for (const ref of view.containers) {
      if (containerSecurityContext(RULE, ref, out) === null) continue;

      const nonRoot = effectiveSecuritySetting(view, ref, 'runAsNonRoot');
      if (nonRoot.value !== true) {
        report(
          nonRoot,
          nonRoot.source === 'unset'
            ? 'set securityContext.runAsNonRoot: true (on the container or the pod)'
            : `securityContext.runAsNonRoot is ${describeValue(nonRoot.value)}; set it to true`,
          ref,
        );
      }

      const user = effectiveSecuritySetting(view, ref, 'runAsUser');
      if (user.value === 0) {
        report(user, 'securityContext.runAsUser is 0 (root); set a non-zero UID', ref);
      } else if (user.source !== 'unset') {
        checkId(user, 'user', 'runAsUser', userRanges, userRangesText, (m) => report(user, m, ref));
      }

      const group = effectiveSecuritySetting(view, ref, 'runAsGroup');
      if (group.source !== 'unset') {
        checkId(group, 'group', 'runAsGroup', groupRanges, groupRangesText, (m) => report(group, m, ref));
      }
    }

    if (groupRanges !== undefined) checkPodGroups(view, groupRanges, groupRangesText!, out);
  };
};

function checkId(
  setting: EffectiveSetting,
  kind: IdKind,
  field: string,
  ranges: readonly IdRange[] | undefined,
  rangesText: string | undefined,
  report: (message: string) => void,
): void {
  const id = setting.value;
  if (!isValidId(id)) {
    report(`securityContext.${field} must be a non-negative integer ${kind} id but is ${describeValue(id)}`);
    return;
  }
  if (ranges !== undefined && !inRanges(id, ranges)) {
    report(`securityContext.${field} ${id} is outside the allowed ${kind} ids ${rangesText}; use an id in those ranges`);
  }
}

// Groups that are not per-container: fsGroup and supplementalGroups apply to the whole pod.
function checkPodGroups(view: WorkloadView, ranges: readonly IdRange[], rangesText: string, out: Finding[]): void {
  const sc = view.podSecurityContext;
  if (sc === undefined) return;
  const base = `${view.podSpecPath}.securityContext`;
  const fsGroup = sc.fsGroup;
  if (fsGroup !== undefined && fsGroup !== null) {
    if (!isValidId(fsGroup)) {
      out.push(finding(RULE, `${base}.fsGroup`, `pod securityContext.fsGroup must be a non-negative integer but is ${describeValue(fsGroup)}`));
    } else if (!inRanges(fsGroup, ranges)) {
      out.push(
        finding(RULE, `${base}.fsGroup`, `pod securityContext.fsGroup ${fsGroup} is outside the allowed group ids ${rangesText}; use an id in those ranges`),
      );
    }
  }
  const supplemental = sc.supplementalGroups;
  if (supplemental === undefined || supplemental === null) return;
  if (!isArray(supplemental)) {
    out.push(finding(RULE, `${base}.supplementalGroups`, `pod securityContext.supplementalGroups must be a list of group ids but is ${describeValue(supplemental)}`));
    return;
  }
  for (let i = 0; i < supplemental.length; i++) {
    const gid: unknown = supplemental[i];
    if (isValidId(gid) && inRanges(gid, ranges)) continue;
    out.push(
      finding(
        RULE,
        `${base}.supplementalGroups[${i}]`,
        isValidId(gid)
          ? `pod securityContext.supplementalGroups[${i}] ${gid} is outside the allowed group ids ${rangesText}; remove it or use an id in those ranges`
          : `pod securityContext.supplementalGroups[${i}] must be a non-negative integer but is ${describeValue(gid)}`,
      ),
    );
  }
}

const isInteger = Number.isInteger;

function isValidId(value: unknown): value is number {
  return typeof value === 'number' && isInteger(value) && value >= 0;
}

function inRanges(id: number, ranges: readonly IdRange[]): boolean {
  for (const range of ranges) if (id >= range.min && id <= range.max) return true;
  return false;
}

function describeRanges(ranges: readonly IdRange[]): string {
  return ranges.map((r) => (r.min === r.max ? String(r.min) : `${r.min}-${r.max}`)).join(', ');
}

