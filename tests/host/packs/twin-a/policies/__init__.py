WHO = "twin-a"
