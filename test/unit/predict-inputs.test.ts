/** `model predict --input`: PNG and JPEG files and folders decode as the devices' images: reader decodes them. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { readInputs } from '../../clients/cli/predict/read-inputs';

function rgba(width: number, height: number, v: number): Buffer {
  return Buffer.alloc(width * height * 4, v);
}

describe('predict inputs', () => {
  it('reads a PNG, a JPEG and a folder of both, sorted by name; refuses a file that is neither', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-predict-inputs-'));
    const png = new PNG({ width: 3, height: 2 });
    png.data = rgba(3, 2, 200);
    writeFileSync(path.join(dir, 'a.png'), PNG.sync.write(png));
    writeFileSync(path.join(dir, 'b.jpg'), jpeg.encode({ width: 4, height: 5, data: rgba(4, 5, 128) }, 90).data);
    const one = await readInputs(path.join(dir, 'b.jpg'));
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ name: 'b.jpg', kind: 'image', image: { width: 4, height: 5, channels: 4 } });
    const folder = await readInputs(dir);
    expect(folder.map((i) => i.name)).toEqual(['a.png', 'b.jpg']);
    const first = folder[0] as { image: { data: Uint8Array } };
    expect(first.image.data[0]).toBe(200);
    writeFileSync(path.join(dir, 'c.png'), 'GIF89a not a png');
    await expect(readInputs(path.join(dir, 'c.png'))).rejects.toThrow(/cannot decode image c\.png: neither PNG nor JPEG/);
  });
});
