import type { Metadata } from 'next';
import { TokensSection } from './tokens-section';

export const metadata: Metadata = { title: 'Agent tokens' };

interface TokensPageProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function TokensPage({ searchParams }: TokensPageProps) {
  const params = await searchParams;
  return <TokensSection wantsAll={params.all === '1'} />;
}
