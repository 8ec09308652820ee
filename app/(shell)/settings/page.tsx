import type { Metadata } from 'next';
import { OrgSettingsForm } from './org-settings-form';

export const metadata: Metadata = { title: 'Organization settings' };

export default function OrganizationSettingsPage() {
  return <OrgSettingsForm />;
}
