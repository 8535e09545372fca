from podium.cli import program

program()
