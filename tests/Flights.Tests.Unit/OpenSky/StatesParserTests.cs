using System.Text;
using Flights.Core.OpenSky;

namespace Flights.Tests.Unit.OpenSky;

public class StatesParserTests
{
    private const string Swiss =
        """["4b1815","SWR123  ","Switzerland",1700000000,1700000001,8.5,47.4,10972.8,false,230.5,45.1,-0.33,null,11277.6,"1000",false,0]""";

    private static StatesSnapshot Parse(string json) => StatesParser.Parse(Encoding.UTF8.GetBytes(json));

    private static string Response(params string[] states) => $$"""{"time":1700000002,"states":[{{string.Join(",", states)}}]}""";

    private static OpenSkyFormatException Fails(string json) => Assert.Throws<OpenSkyFormatException>(() => Parse(json));

    [Fact]
    public void Every_field_of_a_full_state_is_read()
    {
        var snapshot = Parse(Response(Swiss));

        Assert.Equal(1700000002, snapshot.Time);
        var expected = new StateVector(
            "4b1815", "SWR123", "Switzerland", 1700000000, 1700000001, 8.5, 47.4, 10972.8, false, 230.5, 45.1, -0.33,
            11277.6, "1000", false, 0, null);
        Assert.Equal([expected], snapshot.States);
    }

    [Fact]
    public void Integer_altitudes_and_speeds_parse_as_doubles()
    {
        var state = Parse(Response(
            """["a1b2c3","DAL1    ","United States",1700000000,1700000000,-77,38,12192,false,250,90,0,null,12500,null,false,0]""")).States[0];

        Assert.Equal(-77.0, state.Longitude);
        Assert.Equal(38.0, state.Latitude);
        Assert.Equal(12192.0, state.BaroAltitude);
        Assert.Equal(250.0, state.Velocity);
        Assert.Equal(90.0, state.TrueTrack);
        Assert.Equal(0.0, state.VerticalRate);
        Assert.Equal(12500.0, state.GeoAltitude);
    }

    [Fact]
    public void Null_in_every_nullable_field_parses_as_null()
    {
        var state = Parse(Response(
            """["abc123",null,null,null,null,null,null,null,true,null,null,null,null,null,null,true,2,null]""")).States[0];

        Assert.Equal(
            new StateVector("abc123", null, null, null, null, null, null, null, true, null, null, null, null, null, true, 2, null),
            state);
    }

    [Fact]
    public void Negative_altitude_and_exponent_notation_are_read_as_sent()
    {
        var state = Parse(Response(
            """["abc123","X",null,1,2,1.5e1,-2E-1,-45.72,false,null,null,null,null,-30,null,false,0]""")).States[0];

        Assert.Equal(15.0, state.Longitude);
        Assert.Equal(-0.2, state.Latitude);
        Assert.Equal(-45.72, state.BaroAltitude);
        Assert.Equal(-30.0, state.GeoAltitude);
    }

    [Theory]
    [InlineData("-118.1803")]
    [InlineData("0.1")]
    [InlineData("33.9294")]
    [InlineData("-0.33")]
    [InlineData("-0")]
    [InlineData("0.000001")]
    [InlineData("123456789012345")]
    [InlineData("12345678.9012345")]
    [InlineData("1234567890123456")]
    [InlineData("0.30000000000000004")]
    [InlineData("9007199254740993")]
    [InlineData("1e5")]
    [InlineData("-2.5E-3")]
    public void Every_number_reads_exactly_as_the_general_parser_reads_it(string number)
    {
        var state = Parse(Response(
            $$"""["abc123",null,null,1,2,{{number}},null,null,false,null,null,null,null,null,null,false,0]""")).States[0];

        double expected = double.Parse(number, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(state.Longitude!.Value));
    }

    [Theory]
    [InlineData("1766888059", 1766888059L)]
    [InlineData("0", 0L)]
    [InlineData("-5", -5L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void Times_read_as_whole_seconds(string number, long expected)
    {
        var state = Parse(Response(
            $$"""["abc123",null,null,{{number}},2,null,null,null,false,null,null,null,null,null,null,false,0]""")).States[0];

        Assert.Equal(expected, state.TimePosition);
    }

    [Fact]
    public void A_time_beyond_the_range_of_a_long_is_an_error()
    {
        string json = Response("""["abc123",null,null,9223372036854775808,2,null,null,null,false,null,null,null,null,null,null,false,0]""");

        var error = Fails(json);

        Assert.Equal(json.IndexOf("9223372036854775808", StringComparison.Ordinal), error.BytePosition);
        Assert.Contains("field 3 (time_position): expected integer or null, got Number 9223372036854775808", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_eighteenth_field_is_the_category()
    {
        var snapshot = Parse(Response(
            """["aaaaaa",null,"Germany",1,2,null,null,null,false,null,null,null,null,null,null,false,0,6]""",
            """["bbbbbb",null,"Germany",1,2,null,null,null,false,null,null,null,null,null,null,false,0,null]""",
            """["cccccc",null,"Germany",1,2,null,null,null,false,null,null,null,null,null,null,false,0]"""));

        Assert.Equal([6, null, null], snapshot.States.Select(s => s.Category));
    }

    [Fact]
    public void Fields_after_the_eighteenth_are_ignored()
    {
        var state = Parse(Response(
            """["aaaaaa",null,null,1,2,null,null,null,false,null,null,null,null,null,null,false,3,1,"new",[1,{"x":2}],null]""")).States[0];

        Assert.Equal(3, state.PositionSource);
        Assert.Equal(1, state.Category);
    }

    [Fact]
    public void States_null_gives_an_empty_snapshot()
    {
        var snapshot = Parse("""{"time":1766888059,"states":null}""");

        Assert.Equal(1766888059, snapshot.Time);
        Assert.Empty(snapshot.States);
    }

    [Fact]
    public void An_empty_states_array_gives_an_empty_snapshot()
    {
        var snapshot = Parse("""{"states":[],"time":42}""");

        Assert.Equal(42, snapshot.Time);
        Assert.Empty(snapshot.States);
    }

    [Fact]
    public void Unknown_top_level_properties_are_ignored_wherever_they_stand()
    {
        var snapshot = Parse($$"""
            {
              "extra": {"nested": [1, 2, {"deep": null}], "s": "]"},
              "states": [{{Swiss}}],
              "note": "x",
              "time": 1700000002,
              "list": []
            }
            """);

        Assert.Equal(1700000002, snapshot.Time);
        Assert.Equal("4b1815", Assert.Single(snapshot.States).Icao24);
    }

    [Theory]
    [InlineData("\"BRV 4   \"", "BRV 4")]
    [InlineData("\"SWR123  \"", "SWR123")]
    [InlineData("\"  AB C \"", "AB C")]
    [InlineData("\"DLH4TK\"", "DLH4TK")]
    [InlineData("\"\"", null)]
    [InlineData("\"        \"", null)]
    [InlineData("null", null)]
    [InlineData("\"\\u0041B\\u0020\\u0020\"", "AB")]
    public void Callsign_padding_is_trimmed_and_a_blank_one_is_null(string callsignJson, string? expected)
    {
        var state = Parse(Response(
            $$"""["abc123",{{callsignJson}},null,1,2,null,null,null,false,null,null,null,null,null,null,false,0]""")).States[0];

        Assert.Equal(expected, state.Callsign);
    }

    [Fact]
    public void Escaped_strings_are_unescaped()
    {
        var state = Parse(Response(
            """["ab\u0063123",null,"C\u00f4te d'Ivoire",1,2,null,null,null,false,null,null,null,null,null,"7\u003500",false,0]""")).States[0];

        Assert.Equal("abc123", state.Icao24);
        Assert.Equal("Côte d'Ivoire", state.OriginCountry);
        Assert.Equal("7500", state.Squawk);
    }

    [Fact]
    public void Sensors_are_skipped_whether_a_list_or_null()
    {
        var snapshot = Parse(Response(
            """["aaaaaa",null,null,1,2,null,null,null,false,null,null,null,[1,2,3],null,null,false,1]""",
            """["bbbbbb",null,null,1,2,null,null,null,false,null,null,null,[],null,null,false,2]"""));

        Assert.Equal([1, 2], snapshot.States.Select(s => s.PositionSource));
    }

    [Fact]
    public void Origin_country_and_squawk_strings_are_shared_between_states_and_parses()
    {
        string row = """["aaaaaa",null,"Switzerland",1,2,null,null,null,false,null,null,null,null,null,"7700",false,0]""";
        var first = Parse(Response(row, row)).States;
        var second = Parse(Response(row)).States;

        Assert.Equal("Switzerland", first[0].OriginCountry);
        Assert.Same(first[0].OriginCountry, first[1].OriginCountry);
        Assert.Same(first[0].OriginCountry, second[0].OriginCountry);
        Assert.Equal("7700", first[0].Squawk);
        Assert.Same(first[0].Squawk, second[0].Squawk);
    }

    [Fact]
    public void The_reusing_overload_replaces_the_lists_content_and_returns_the_time()
    {
        var into = new List<StateVector> { default, default, default };

        long time = StatesParser.Parse(Encoding.UTF8.GetBytes(Response(Swiss)), into);

        Assert.Equal(1700000002, time);
        Assert.Equal("4b1815", Assert.Single(into).Icao24);
    }

    [Fact]
    public void The_reusing_overload_leaves_the_list_empty_when_the_response_is_malformed()
    {
        var into = new List<StateVector>();
        string broken = Response(Swiss, Swiss, """["x",null,null,1,2,"oops",null,null,false,null,null,null,null,null,null,false,0]""");

        Assert.Throws<OpenSkyFormatException>(() => StatesParser.Parse(Encoding.UTF8.GetBytes(broken), into));

        Assert.Empty(into);
    }

    [Fact]
    public void A_leading_byte_order_mark_is_accepted_and_counted_in_error_positions()
    {
        byte[] good = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("""{"time":7,"states":null}""")];
        byte[] bad = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("""{"time":"7","states":null}""")];

        Assert.Equal(7, StatesParser.Parse(good).Time);
        var error = Assert.Throws<OpenSkyFormatException>(() => StatesParser.Parse(bad));
        Assert.Equal(3 + 8, error.BytePosition);
    }

    [Fact]
    public void A_wrong_type_names_state_field_token_and_byte()
    {
        string bad = """["bbbbbb",null,null,1,2,"8.5",47.4,null,false,null,null,null,null,null,null,false,0]""";
        string json = Response(Swiss, bad);

        var error = Fails(json);

        int position = json.IndexOf("\"8.5\"", StringComparison.Ordinal);
        Assert.Equal(position, error.BytePosition);
        Assert.Equal(
            $"Malformed OpenSky states response: state 1 field 5 (longitude): expected number or null, got String at byte {position}",
            error.Message);
    }

    [Theory]
    [InlineData("""[123,null,null,1,2,null,null,null,false,null,null,null,null,null,null,false,0]""", "123", "state 0 field 0 (icao24): expected string, got Number 123")]
    [InlineData("""[null,null,null,1,2,null,null,null,false,null,null,null,null,null,null,false,0]""", "null,null,null,1,", "state 0 field 0 (icao24): expected string, got Null")]
    [InlineData("""["aaaaaa",7,null,1,2,null,null,null,false,null,null,null,null,null,null,false,0]""", "7", "state 0 field 1 (callsign): expected string or null, got Number 7")]
    [InlineData("""["aaaaaa",null,false,1,2,null,null,null,false,null,null,null,null,null,null,false,0]""", "false,1,2", "state 0 field 2 (origin_country): expected string or null, got False")]
    [InlineData("""["aaaaaa",null,null,1.5,2,null,null,null,false,null,null,null,null,null,null,false,0]""", "1.5", "state 0 field 3 (time_position): expected integer or null, got Number 1.5")]
    [InlineData("""["aaaaaa",null,null,1,"2",null,null,null,false,null,null,null,null,null,null,false,0]""", "\"2\"", "state 0 field 4 (last_contact): expected integer or null, got String")]
    [InlineData("""["aaaaaa",null,null,1,2,null,null,true,false,null,null,null,null,null,null,false,0]""", "true", "state 0 field 7 (baro_altitude): expected number or null, got True")]
    [InlineData("""["aaaaaa",null,null,1,2,null,null,null,null,null,null,null,null,null,null,false,0]""", "null,null,null,null,null,null,null,false", "state 0 field 8 (on_ground): expected true or false, got Null")]
    [InlineData("""["aaaaaa",null,null,1,2,null,null,null,false,null,null,null,7,null,null,false,0]""", "7", "state 0 field 12 (sensors): expected array or null, got Number 7")]
    [InlineData("""["aaaaaa",null,null,1,2,null,null,null,false,null,null,null,null,null,1200,false,0]""", "1200", "state 0 field 14 (squawk): expected string or null, got Number 1200")]
    [InlineData("""["aaaaaa",null,null,1,2,null,null,null,false,null,null,null,null,null,null,0,0]""", "0,0]", "state 0 field 15 (spi): expected true or false, got Number 0")]
    [InlineData("""["aaaaaa",null,null,1,2,null,null,null,false,null,null,null,null,null,null,false,null]""", "null]", "state 0 field 16 (position_source): expected integer, got Null")]
    [InlineData("""["aaaaaa",null,null,1,2,null,null,null,false,null,null,null,null,null,null,false,0,"A3"]""", "\"A3\"", "state 0 field 17 (category): expected integer or null, got String")]
    public void A_field_of_the_wrong_type_is_an_error_at_its_token(string state, string token, string reason)
    {
        string json = Response(state);

        var error = Fails(json);

        int position = json.LastIndexOf(token, StringComparison.Ordinal);
        Assert.Equal($"Malformed OpenSky states response: {reason} at byte {position}", error.Message);
        Assert.Equal(position, error.BytePosition);
    }

    [Fact]
    public void A_state_with_fewer_than_17_fields_is_an_error_at_its_end()
    {
        string json = Response("""["aaaaaa",null,null,1,2,null,null,null,false,null,null,null,null,null,null,false]""");

        var error = Fails(json);

        int position = json.IndexOf("false]", StringComparison.Ordinal) + "false".Length;
        Assert.Equal($"Malformed OpenSky states response: state 0: expected 17 or 18 fields, got 16 at byte {position}", error.Message);
        Assert.Equal(position, error.BytePosition);
    }

    [Theory]
    [InlineData("""{"states":null}""", 14, "missing property 'time'")]
    [InlineData("""{"time":1}""", 9, "missing property 'states'")]
    [InlineData("""{"time":"1","states":null}""", 8, "time: expected integer, got String")]
    [InlineData("""{"time":1.5,"states":null}""", 8, "time: expected integer, got Number 1.5")]
    [InlineData("""{"time":null,"states":null}""", 8, "time: expected integer, got Null")]
    [InlineData("""{"time":1,"states":{}}""", 19, "states: expected array or null, got StartObject")]
    [InlineData("""{"time":1,"states":"none"}""", 19, "states: expected array or null, got String")]
    [InlineData("""{"time":1,"states":[42]}""", 20, "state 0: expected an array, got Number 42")]
    [InlineData("""[1,2]""", 0, "expected a JSON object, got StartArray")]
    public void A_response_of_the_wrong_shape_is_an_error(string json, long position, string reason)
    {
        var error = Fails(json);

        Assert.Equal($"Malformed OpenSky states response: {reason} at byte {position}", error.Message);
        Assert.Equal(position, error.BytePosition);
    }

    // A truncated body is reported where the bytes ran out.
    [Theory]
    [InlineData("""{"time":1,"states":[["aaaaaa",null""", 34)]
    [InlineData("""{"time":1,"states":[["aaaa""", 26)]
    [InlineData("""{"time":1,"sta""", 14)]
    [InlineData("""{"time":1,"states":null} {}""", 25)]
    [InlineData("""{"time":1,"states":null,}""", 24)]
    [InlineData("", 0)]
    public void Truncated_or_invalid_JSON_is_an_error_with_its_position(string json, long position)
    {
        var error = Fails(json);

        Assert.StartsWith("Malformed OpenSky states response: invalid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($" at byte {position}", error.Message, StringComparison.Ordinal);
        Assert.Equal(position, error.BytePosition);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(error.InnerException);
    }

    [Fact]
    public void Positions_in_pretty_printed_responses_count_bytes_from_the_start()
    {
        string json = "{\n  \"time\": 1,\n  \"states\": [\n    [\"aaaaaa\", null, null, 1, 2, null, null, null, false, null, null, null, null, null, null, false, 0]\n  ]\n  x\n}";

        var error = Fails(json);

        Assert.Equal(json.IndexOf('x', StringComparison.Ordinal), error.BytePosition);
    }
}

public class StatesScannerEdgeTests
{
    private static StatesSnapshot Parse(string json) => StatesParser.Parse(Encoding.UTF8.GetBytes(json));

    private static StateVector OneState(string state) => Parse($$"""{"time":1,"states":[{{state}}]}""").States[0];

    private static OpenSkyFormatException Fails(string json) => Assert.Throws<OpenSkyFormatException>(() => Parse(json));

    [Theory]
    [InlineData("\"a\\\"b\"", "a\"b")]
    [InlineData("\"a\\\\b\"", "a\\b")]
    [InlineData("\"a\\/b\"", "a/b")]
    [InlineData("\"\\b\\f\\n\\r\\tx\"", "\b\f\n\r\tx")]
    [InlineData("\"\\ud83d\\ude80\"", "\U0001F680")]
    [InlineData("\"Z\u00fcrich\"", "Zürich")]
    public void Every_escape_in_a_string_is_decoded(string jsonString, string expected)
    {
        var state = OneState($$"""["abc123",null,{{jsonString}},1,2,null,null,null,false,null,null,null,null,null,null,false,0]""");

        Assert.Equal(expected, state.OriginCountry);
    }

    [Theory]
    [InlineData("\"a\\x\"")]
    [InlineData("\"a\\u12\"")]
    [InlineData("\"a\\u12G4\"")]
    [InlineData("\"a\tb\"")]
    [InlineData("\"\\ud800\"")]
    public void An_invalid_escape_or_a_raw_control_character_is_an_error(string jsonString)
    {
        var error = Fails($$"""{"time":1,"states":[["abc123",{{jsonString}},null,1,2,null,null,null,false,null,null,null,null,null,null,false,0]]}""");

        Assert.Contains("invalid JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1.5e3", -1500.0)]
    [InlineData("2E+2", 200.0)]
    [InlineData("1e-400", 0.0)]
    [InlineData("-0.0", -0.0)]
    [InlineData("-118.1803", -118.1803)]
    [InlineData("12345678901234567890.5", 12345678901234567890.5)]
    public void Exponents_negatives_and_long_mantissas_read_as_the_general_parser_reads_them(string number, double expected)
    {
        var state = OneState($$"""["abc123",null,null,1,2,{{number}},null,null,false,null,null,null,null,null,null,false,0]""");

        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(state.Longitude!.Value));
    }

    [Theory]
    [InlineData("01")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("1e")]
    [InlineData("-")]
    [InlineData("+1")]
    [InlineData("1x")]
    [InlineData("nul")]
    [InlineData("tru")]
    [InlineData("NaN")]
    public void A_malformed_number_or_literal_is_invalid_JSON(string token)
    {
        var error = Fails($$"""{"time":1,"states":[["abc123",null,null,1,2,{{token}},null,null,false,null,null,null,null,null,null,false,0]]}""");

        Assert.StartsWith("Malformed OpenSky states response: invalid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(error.InnerException);
    }

    [Theory]
    [InlineData("1e400", "Number 1e400")]
    [InlineData("2147483648", "Number 2147483648")]
    public void A_number_out_of_its_fields_range_is_a_type_error(string number, string got)
    {
        string field = number.Contains('e', StringComparison.Ordinal) ? "5 (longitude)" : "16 (position_source)";
        string state = number.Contains('e', StringComparison.Ordinal)
            ? $$"""["abc123",null,null,1,2,{{number}},null,null,false,null,null,null,null,null,null,false,0]"""
            : $$"""["abc123",null,null,1,2,null,null,null,false,null,null,null,null,null,null,false,{{number}}]""";

        var error = Fails($$"""{"time":1,"states":[{{state}}]}""");

        Assert.Contains($"field {field}: expected", error.Message, StringComparison.Ordinal);
        Assert.Contains($"got {got}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_unknown_properties_with_escapes_and_brackets_in_strings_are_skipped()
    {
        var snapshot = Parse("""
            {"meta":{"a":[[],{},[{"b":"]}\"\\"}],-1.5e-3,true,false,null],"c\"d":{"e":"\u005d"}},
             "t\u0069me":5,"states":[],"tail":[{"x":[1,[2,[3]]]}]}
            """);

        Assert.Equal(5, snapshot.Time);
        Assert.Empty(snapshot.States);
    }

    [Fact]
    public void An_unknown_property_nested_deeper_than_the_reader_allowed_is_an_error()
    {
        string deep = new string('[', 64) + new string(']', 64);

        var error = Fails($$"""{"x":{{deep}},"time":1,"states":null}""");

        Assert.IsAssignableFrom<System.Text.Json.JsonException>(error.InnerException);
    }

    [Fact]
    public void A_malformed_unknown_property_is_an_error()
    {
        var error = Fails("""{"x":{"a":1,},"time":1,"states":null}""");

        Assert.Equal(12, error.BytePosition);
    }

    [Theory]
    [InlineData(" \t\r\n")]
    [InlineData("\r\n    ")]
    [InlineData("")]
    public void Any_JSON_whitespace_between_tokens_is_accepted(string ws)
    {
        string json = $$"""{{ws}}{{{ws}}"time"{{ws}}:{{ws}}3{{ws}},{{ws}}"states"{{ws}}:{{ws}}[{{ws}}["abc123"{{ws}},{{ws}}"SWR1  "{{ws}},"CH",1,2,{{ws}}-1.5{{ws}},2,3,true,4,5,6,[{{ws}}1{{ws}}],7,"1000",false,{{ws}}1{{ws}}]{{ws}}]{{ws}}}{{ws}}""";

        var snapshot = Parse(json);

        Assert.Equal(3, snapshot.Time);
        Assert.Equal(
            new StateVector("abc123", "SWR1", "CH", 1, 2, -1.5, 2, 3, true, 4, 5, 6, 7, "1000", false, 1, null),
            Assert.Single(snapshot.States));
    }

    [Theory]
    [InlineData("\f")]
    [InlineData("\u00a0")]
    public void Whitespace_JSON_does_not_allow_is_an_error(string ws)
    {
        var error = Fails($$"""{"time":1,{{ws}}"states":null}""");

        Assert.Equal(10, error.BytePosition);
    }

    [Fact]
    public void A_byte_order_mark_before_a_compact_global_shape_is_skipped_and_a_second_one_is_an_error()
    {
        byte[] good = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("""{"time":7,"states":[["abc123",null,null,1,2,null,null,null,false,null,null,null,null,null,null,false,0]]}""")];
        byte[] twice = [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("""{"time":7,"states":null}""")];

        Assert.Equal("abc123", Assert.Single(StatesParser.Parse(good).States).Icao24);
        Assert.Equal(3, Assert.Throws<OpenSkyFormatException>(() => StatesParser.Parse(twice)).BytePosition);
    }

    [Theory]
    [InlineData("""{"time":1,"states":[,]}""", 20)]
    [InlineData("""{"time":1,"states":[["abc123",null,null,1,2,null,null,null,false,null,null,null,null,null,null,false,0,]]}""", 103)]
    [InlineData("""{"time":1 "states":null}""", 10)]
    [InlineData("""{"time" 1,"states":null}""", 8)]
    [InlineData("""{time:1,"states":null}""", 1)]
    [InlineData("""{"time":1,"states":null""", 23)]
    [InlineData("""{"time":1,"states":null}]""", 24)]
    public void Structural_errors_are_invalid_JSON_at_their_byte(string json, long position)
    {
        var error = Fails(json);

        Assert.StartsWith("Malformed OpenSky states response: invalid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(position, error.BytePosition);
    }
}
