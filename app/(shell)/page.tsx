import type { Metadata } from 'next';
import { Gallery } from './_gallery/gallery';
import { parseStatusFilter } from './_gallery/status-filter';

export const metadata: Metadata = { title: 'Artifacts' };

interface GalleryPageProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function GalleryPage({ searchParams }: GalleryPageProps) {
  const params = await searchParams;
  const q = typeof params.q === 'string' ? params.q.slice(0, 200) : '';
  return (
    <main id="main" tabIndex={-1} className="page">
      <Gallery initialQuery={q} initialStatus={parseStatusFilter(params.status)} />
    </main>
  );
}
