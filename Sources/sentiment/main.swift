print("sentiment")
