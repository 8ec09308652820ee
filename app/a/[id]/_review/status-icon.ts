import { ApprovedIcon, ChangesIcon, PendingIcon, StaleIcon } from '../../../_components/review-icons';
import type { StatusTone } from './status-words';

/** One icon per review state, so colour is never the only sign. */
export const STATUS_ICON: Record<StatusTone, typeof ApprovedIcon> = {
  approved: ApprovedIcon,
  changes: ChangesIcon,
  stale: StaleIcon,
  progress: PendingIcon,
  none: PendingIcon,
};
