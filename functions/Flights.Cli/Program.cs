using Flights.Cli;

return await FlightsCommandLine.InvokeAsync(args, Console.Out, Console.Error);
