import { Avatar } from './avatar';

// Read at request time, so one build serves any environment.
export const dynamic = 'force-dynamic';

export default function Home() {
  return (
    <main>
      <h1>Streaming avatar · Next.js</h1>
      <Avatar baseUrl={process.env.AVATAR_API_BASE} />
    </main>
  );
}
