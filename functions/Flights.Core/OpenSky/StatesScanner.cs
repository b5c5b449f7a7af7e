using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Flights.Core.OpenSky;

/// <summary>
/// A forward-only JSON scanner over one UTF-8 response, made for <see cref="StatesParser"/>. It replaces
/// <see cref="Utf8JsonReader"/> because the reader's general token machinery (state stack, token
/// bookkeeping, per-byte whitespace loop) alone took longer than the parse was allowed to: here the parser
/// drives the grammar itself, knowing which value comes next, and the scanner only reads that value.
/// </summary>
/// <remarks>
/// Strict RFC 8259, like the reader with its default options: no comments, no trailing commas, no leading
/// zeros, at most <see cref="MaxDepth"/> nested containers. Syntax errors throw
/// <see cref="OpenSkyFormatException"/> ("invalid JSON: ...") with a <see cref="JsonException"/> inside, as
/// the reader-based parser did. Positions are offsets into the whole body, byte order mark included.
/// </remarks>
internal ref struct StatesScanner
{
    /// <summary>The reader's default depth limit, kept so the same documents are accepted.</summary>
    public const int MaxDepth = 64;

    // What ends the fast scan of a string: its closing quote, an escape, or a control character (invalid).
    private static readonly SearchValues<byte> StringStops = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"u8);

    // Exact powers of ten up to 10^22 are the ones a double holds without rounding; the fast path needs 10^15.
    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];

    private readonly ReadOnlySpan<byte> _json;
    private int _position;

    /// <summary>Starts scanning at <paramref name="start"/> (3 after a byte order mark).</summary>
    public StatesScanner(ReadOnlySpan<byte> json, int start)
    {
        _json = json;
        _position = start;
    }

    /// <summary>Where the token last returned by <see cref="Peek"/> starts: the position errors report.</summary>
    public int TokenStart { get; private set; }

    /// <summary>Skips whitespace and returns the next byte without consuming it; 0 at the end of the data.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte Peek()
    {
        // Compact responses put the next token right here; pretty-printed ones put a newline and an indent.
        if ((uint)_position >= (uint)_json.Length || _json[_position] <= (byte)' ')
        {
            SkipWhitespace();
        }

        TokenStart = _position;
        return (uint)_position < (uint)_json.Length ? _json[_position] : (byte)0;
    }

    /// <summary>Consumes the byte <see cref="Peek"/> returned when it is <paramref name="expected"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryConsume(byte expected)
    {
        if (Peek() != expected)
        {
            return false;
        }

        _position++;
        return true;
    }

    /// <summary>After an array element: true on ',' (another element follows), false on ']' (consumed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool NextInArray()
    {
        byte next = Peek();
        if (next is (byte)',' or (byte)']')
        {
            _position++;
            return next == (byte)',';
        }

        throw InvalidAfterValue("',' or ']'");
    }

    /// <summary>After a property value: true on ',' (another property follows), false on '}' (consumed).</summary>
    public bool NextInObject()
    {
        byte next = Peek();
        if (next is (byte)',' or (byte)'}')
        {
            _position++;
            return next == (byte)',';
        }

        throw InvalidAfterValue("',' or '}'");
    }

    /// <summary>Reads a property name and its ':'; the value comes next.</summary>
    public JsonStringToken ReadPropertyName()
    {
        if (Peek() != (byte)'"')
        {
            throw InvalidJson(_position, _position < _json.Length ? $"expected a property name, got '{(char)_json[_position]}'" : "unexpected end of data");
        }

        JsonStringToken name = ReadString();
        if (!TryConsume((byte)':'))
        {
            throw InvalidJson(_position, "expected ':' after a property name");
        }

        return name;
    }

    /// <summary>True when the property name is <paramref name="expected"/> (escaped names are unescaped first).</summary>
    public readonly bool NameEquals(JsonStringToken name, ReadOnlySpan<byte> expected)
        => name.IsEscaped
            ? Decode(name) == Encoding.UTF8.GetString(expected)
            : Raw(name).SequenceEqual(expected);

    /// <summary>Rejects anything but whitespace after the response object.</summary>
    public void ExpectEnd()
    {
        if (Peek() != 0 || _position < _json.Length)
        {
            throw InvalidJson(_position, $"'{(char)_json[_position]}' after the end of the response object");
        }
    }

    /// <summary>Reads the string that starts at the current position (<see cref="Peek"/> returned '"').</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public JsonStringToken ReadString()
    {
        int start = _position + 1;
        int length = _json[start..].IndexOfAny(StringStops);
        if (length >= 0 && _json[start + length] == (byte)'"')
        {
            _position = start + length + 1;
            return new JsonStringToken(start, length, IsEscaped: false);
        }

        return ReadStringSlowly(start);
    }

    /// <summary>The string's bytes between the quotes, escapes as sent.</summary>
    public readonly ReadOnlySpan<byte> Raw(JsonStringToken token) => _json.Slice(token.Start, token.Length);

    /// <summary>The string's value; unescaping is left to the reader, which defines what a valid escape means.</summary>
    public readonly string Decode(JsonStringToken token)
    {
        if (!token.IsEscaped)
        {
            return Encoding.UTF8.GetString(Raw(token));
        }

        var reader = new Utf8JsonReader(_json.Slice(token.Start - 1, token.Length + 2));
        try
        {
            reader.Read();
            return reader.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            // An escape the grammar allows but UTF-16 does not (a lone surrogate such as \uD800).
            throw Error(token.Start - 1, $"invalid JSON: {ex.Message}", new JsonException(ex.Message, ex));
        }
    }

    /// <summary>
    /// Reads the number at the current position (<see cref="Peek"/> returned '-' or a digit) as a double,
    /// bit for bit what <see cref="Utf8JsonReader.TryGetDouble"/> gives. The plain decimals OpenSky sends
    /// (<c>-118.1803</c>, <c>381</c>) take Clinger's fast path: at most 15 significant digits fit a double's
    /// mantissa exactly, as does 10^k for k &lt;= 15, and one IEEE division rounds correctly. Exponents and
    /// longer numbers go to the general parser; an overflow to infinity is rejected, as the reader does.
    /// </summary>
    /// <returns>False when the number does not fit (the caller reports it at <see cref="TokenStart"/>).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadDouble(out double value)
    {
        int length = ScanNumber(out ulong mantissa, out int digits, out int fractionDigits, out bool hasExponent);
        if (!hasExponent && digits <= 15)
        {
            double result = mantissa;
            if (fractionDigits > 0)
            {
                result /= PowersOfTen[fractionDigits];
            }

            value = _json[TokenStart] == (byte)'-' ? -result : result;
            return true;
        }

        return Utf8Parser.TryParse(_json.Slice(TokenStart, length), out value, out int consumed)
            && consumed == length
            && double.IsFinite(value);
    }

    /// <summary>Reads the number at the current position as a long; false for fractions, exponents and overflow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadInt64(out long value)
    {
        int length = ScanNumber(out ulong mantissa, out int digits, out int fractionDigits, out bool hasExponent);
        bool isInteger = fractionDigits == 0 && !hasExponent;

        // 18 digits always fit a long; 19 might not, so the general parser decides (it checks the range).
        if (isInteger && digits <= 18)
        {
            value = _json[TokenStart] == (byte)'-' ? -(long)mantissa : (long)mantissa;
            return true;
        }

        value = 0;
        return isInteger
            && Utf8Parser.TryParse(_json.Slice(TokenStart, length), out value, out int consumed)
            && consumed == length;
    }

    /// <summary>Reads the number at the current position as an int; false for fractions, exponents and overflow.</summary>
    public bool TryReadInt32(out int value)
    {
        int length = ScanNumber(out ulong mantissa, out int digits, out int fractionDigits, out bool hasExponent);
        bool isInteger = fractionDigits == 0 && !hasExponent;
        if (isInteger && digits <= 9)
        {
            value = _json[TokenStart] == (byte)'-' ? -(int)mantissa : (int)mantissa;
            return true;
        }

        value = 0;
        return isInteger
            && Utf8Parser.TryParse(_json.Slice(TokenStart, length), out value, out int consumed)
            && consumed == length;
    }

    /// <summary>Reads <c>true</c>, <c>false</c> or <c>null</c> at the current position, whole.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReadLiteral(ReadOnlySpan<byte> literal)
    {
        if (!_json[_position..].StartsWith(literal))
        {
            throw InvalidJson(_position, $"expected '{Encoding.UTF8.GetString(literal)}'");
        }

        _position += literal.Length;
    }

    /// <summary>
    /// Skips the value at the current position, whatever it is, checking its syntax on the way: an unknown
    /// property may hold anything, and a malformed one still makes the response malformed.
    /// </summary>
    /// <param name="depth">Containers open around the value (the response object counts as one).</param>
    public void SkipValue(int depth)
    {
        switch (Peek())
        {
            case (byte)'{':
                SkipObject(depth + 1);
                break;
            case (byte)'[':
                SkipArray(depth + 1);
                break;
            case (byte)'"':
                ReadString();
                break;
            case (byte)'t':
                ReadLiteral("true"u8);
                break;
            case (byte)'f':
                ReadLiteral("false"u8);
                break;
            case (byte)'n':
                ReadLiteral("null"u8);
                break;
            case var b when IsNumberStart(b):
                ScanNumber(out _, out _, out _, out _);
                break;
            default:
                throw InvalidValueStart();
        }
    }

    /// <summary>
    /// Names the token at <see cref="TokenStart"/> for an error message, in the reader's terms ("String",
    /// "Number 1.5", "StartArray"). A token that is not valid JSON is reported as invalid JSON instead,
    /// as the reader would have failed on it before any type check.
    /// </summary>
    public string DescribeToken()
    {
        _position = TokenStart;
        switch (Peek())
        {
            case (byte)'{':
                return nameof(JsonTokenType.StartObject);
            case (byte)'[':
                return nameof(JsonTokenType.StartArray);
            case (byte)'"':
                ReadString();
                return nameof(JsonTokenType.String);
            case (byte)'t':
                ReadLiteral("true"u8);
                return nameof(JsonTokenType.True);
            case (byte)'f':
                ReadLiteral("false"u8);
                return nameof(JsonTokenType.False);
            case (byte)'n':
                ReadLiteral("null"u8);
                return nameof(JsonTokenType.Null);
            case var b when IsNumberStart(b):
                // A number that fails to convert is named with its text: "got Number" alone would read as a contradiction.
                int length = ScanNumber(out _, out _, out _, out _);
                return $"{nameof(JsonTokenType.Number)} {Encoding.UTF8.GetString(_json.Slice(TokenStart, length))}";
            default:
                throw InvalidValueStart();
        }
    }

    /// <summary>True for the bytes a JSON number starts with.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsNumberStart(byte b) => b == (byte)'-' || (uint)(b - '0') <= 9;

    /// <summary>A response that parses as JSON but not as a states response.</summary>
    public static OpenSkyFormatException Error(long position, string reason, Exception? inner = null)
        => new($"Malformed OpenSky states response: {reason} at byte {position}", position, inner);

    // Pretty-printed responses put a line break and an indent of spaces before each token. The indent is
    // scanned with the single-byte IndexOfAnyExcept, whose vector loop starts faster than a multi-value
    // search; the line break (or a tab) is stepped over first, one byte at a time.
    private void SkipWhitespace()
    {
        while ((uint)_position < (uint)_json.Length)
        {
            byte b = _json[_position];
            if (b == (byte)' ')
            {
                int run = _json[_position..].IndexOfAnyExcept((byte)' ');
                _position = run < 0 ? _json.Length : _position + run;
            }
            else if (b is (byte)'\n' or (byte)'\r' or (byte)'\t')
            {
                _position++;
            }
            else
            {
                return;
            }
        }
    }

    private void SkipArray(int depth)
    {
        CheckDepth(depth);
        _position++;
        if (TryConsume((byte)']'))
        {
            return;
        }

        do
        {
            SkipValue(depth);
        }
        while (NextInArray());
    }

    private void SkipObject(int depth)
    {
        CheckDepth(depth);
        _position++;
        if (TryConsume((byte)'}'))
        {
            return;
        }

        do
        {
            ReadPropertyName();
            SkipValue(depth);
        }
        while (NextInObject());
    }

    // Also what keeps the recursion of SkipValue bounded.
    private readonly void CheckDepth(int depth)
    {
        if (depth > MaxDepth)
        {
            throw InvalidJson(_position, $"more than {MaxDepth} nested arrays or objects");
        }
    }

    // Checks the JSON number grammar from the current position (where Peek stopped) and moves past the
    // number, gathering what the fast conversions need on the way: the decimal digits as one integer (sign,
    // point and exponent removed), their count and how many follow the point. Returns the number's length.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ScanNumber(out ulong mantissa, out int digits, out int fractionDigits, out bool hasExponent)
    {
        int i = _position;
        if (_json[i] == (byte)'-')
        {
            i++;
        }

        // Integer part: "0" alone, or digits not starting with 0 (JSON has no leading zeros).
        mantissa = 0;
        if (i < _json.Length && _json[i] == (byte)'0')
        {
            i++;
            digits = 1;
        }
        else
        {
            digits = ReadDigits(ref i, ref mantissa);
            if (digits == 0)
            {
                throw InvalidNumber(i);
            }
        }

        fractionDigits = 0;
        if (i < _json.Length && _json[i] == (byte)'.')
        {
            i++;
            fractionDigits = ReadDigits(ref i, ref mantissa);
            if (fractionDigits == 0)
            {
                throw InvalidNumber(i);
            }

            digits += fractionDigits;
        }

        hasExponent = i < _json.Length && (_json[i] | 0x20) == (byte)'e';
        if (hasExponent)
        {
            i++;
            if (i < _json.Length && _json[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }

            ulong ignored = 0;
            if (ReadDigits(ref i, ref ignored) == 0)
            {
                throw InvalidNumber(i);
            }
        }

        int start = _position;
        _position = i;
        return i - start;
    }

    // Rare: the string has escapes (validated here, decoded later), a control character or no end.
    private JsonStringToken ReadStringSlowly(int start)
    {
        bool escaped = false;
        int i = start;
        while (true)
        {
            if (i >= _json.Length)
            {
                throw InvalidJson(i, "unterminated string");
            }

            byte b = _json[i];
            if (b == (byte)'"')
            {
                _position = i + 1;
                return new JsonStringToken(start, i - start, escaped);
            }

            if (b == (byte)'\\')
            {
                escaped = true;
                i = SkipEscape(i);
            }
            else if (b < 0x20)
            {
                throw InvalidJson(i, $"control character 0x{b:X2} in a string");
            }
            else
            {
                i++;
            }
        }
    }

    // Returns the position after the escape at i (which holds the backslash).
    private readonly int SkipEscape(int i)
    {
        if (i + 1 >= _json.Length)
        {
            throw InvalidJson(_json.Length, "unterminated string");
        }

        switch (_json[i + 1])
        {
            case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                return i + 2;
            case (byte)'u':
                for (int h = i + 2; h < i + 6; h++)
                {
                    if (h >= _json.Length || !char.IsAsciiHexDigit((char)_json[h]))
                    {
                        throw InvalidJson(Math.Min(h, _json.Length), "expected 4 hex digits after \\u");
                    }
                }

                return i + 6;
            default:
                throw InvalidJson(i + 1, $"invalid escape '\\{(char)_json[i + 1]}'");
        }
    }

    // Accumulates decimal digits from i on; returns how many there were. The mantissa may wrap past
    // 19 digits, but only numbers of at most 18 digits use it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly int ReadDigits(ref int i, ref ulong mantissa)
    {
        int first = i;
        while (i < _json.Length)
        {
            uint digit = (uint)(_json[i] - '0');
            if (digit > 9)
            {
                break;
            }

            mantissa = unchecked((mantissa * 10) + digit);
            i++;
        }

        return i - first;
    }

    private readonly OpenSkyFormatException InvalidNumber(int i)
        => InvalidJson(i, i < _json.Length ? $"'{(char)_json[i]}' is invalid within a number" : "unexpected end of data in a number");

    private readonly OpenSkyFormatException InvalidValueStart()
        => InvalidJson(_position, _position < _json.Length ? $"'{(char)_json[_position]}' is an invalid start of a value" : "unexpected end of data");

    private readonly OpenSkyFormatException InvalidAfterValue(string expected)
        => InvalidJson(_position, _position < _json.Length ? $"'{(char)_json[_position]}' is invalid after a value, expected {expected}" : "unexpected end of data");

    private static OpenSkyFormatException InvalidJson(int position, string message)
        => Error(position, $"invalid JSON: {message}", new JsonException(message));
}

/// <summary>A string token: where its raw bytes (between the quotes) are and whether they hold escapes.</summary>
internal readonly record struct JsonStringToken(int Start, int Length, bool IsEscaped);
