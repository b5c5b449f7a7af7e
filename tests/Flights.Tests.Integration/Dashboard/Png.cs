using System.Buffers.Binary;
using System.IO.Compression;

namespace Flights.Tests.Integration.Dashboard;

/// <summary>
/// The pixels of a screenshot, to assert what a person sees. Decodes the PNGs Chromium writes (8-bit RGB or
/// RGBA, not interlaced); anything else is refused rather than misread.
/// </summary>
public sealed class Png
{
    private readonly byte[] rgba;

    private Png(int width, int height, byte[] rgba)
    {
        Width = width;
        Height = height;
        this.rgba = rgba;
    }

    public int Width { get; }

    public int Height { get; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = ((y * Width) + x) * 4;
            return (rgba[i], rgba[i + 1], rgba[i + 2]);
        }
    }

    /// <summary>Pixels inside the rectangle (clipped to the image) within <paramref name="tolerance"/> of the colour on every channel.</summary>
    public int Count(string hexColour, double left, double top, double width, double height, int tolerance = 16)
    {
        var r = Convert.ToInt32(hexColour[1..3], 16);
        var g = Convert.ToInt32(hexColour[3..5], 16);
        var b = Convert.ToInt32(hexColour[5..7], 16);
        var count = 0;
        for (var y = Math.Max(0, (int)top); y < Math.Min(Height, (int)Math.Ceiling(top + height)); y++)
        {
            for (var x = Math.Max(0, (int)left); x < Math.Min(Width, (int)Math.Ceiling(left + width)); x++)
            {
                var p = this[x, y];
                if (Math.Abs(p.R - r) <= tolerance && Math.Abs(p.G - g) <= tolerance && Math.Abs(p.B - b) <= tolerance)
                {
                    count++;
                }
            }
        }

        return count;
    }

    public static Png Decode(byte[] png)
    {
        if (png.Length < 8 || BinaryPrimitives.ReadUInt64BigEndian(png) != 0x89504E470D0A1A0A)
        {
            throw new InvalidDataException("not a PNG");
        }

        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var offset = 8; offset + 8 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                var (depth, colourType, interlace) = (data[8], data[9], data[12]);
                channels = colourType switch { 2 => 3, 6 => 4, _ => 0 };
                if (depth != 8 || channels == 0 || interlace != 0)
                {
                    throw new InvalidDataException($"unsupported PNG: depth {depth}, colour type {colourType}, interlace {interlace}");
                }
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            offset += 12 + length;
        }

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.GetBuffer();
        var stride = width * channels;
        var pixels = new byte[stride * height];
        var zeroLine = new byte[stride];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            var line = raw.AsSpan((y * (stride + 1)) + 1, stride);
            var current = pixels.AsSpan(y * stride, stride);
            Span<byte> previous = y == 0 ? zeroLine : pixels.AsSpan((y - 1) * stride, stride);
            for (var i = 0; i < stride; i++)
            {
                int left = i >= channels ? current[i - channels] : 0, up = previous[i], upLeft = i >= channels ? previous[i - channels] : 0;
                current[i] = (byte)(line[i] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException("unknown PNG filter " + filter),
                });
            }
        }

        var rgba = new byte[width * height * 4];
        for (var p = 0; p < width * height; p++)
        {
            rgba[p * 4] = pixels[p * channels];
            rgba[(p * 4) + 1] = pixels[(p * channels) + 1];
            rgba[(p * 4) + 2] = pixels[(p * channels) + 2];
            rgba[(p * 4) + 3] = channels == 4 ? pixels[(p * channels) + 3] : (byte)255;
        }

        return new Png(width, height, rgba);
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
