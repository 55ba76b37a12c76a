"""Synthetic names: common British first names and a long tail of surnames (Zipf-like weights)."""

import bisect
import itertools

MALE = ["James", "Daniel", "Ryan", "Liam", "Connor", "Jordan", "Kyle", "Nathan", "Lewis", "Jamie", "Adam", "Callum",
        "Marcus", "Tyler", "Reece", "Dean", "Aaron", "Lee", "Craig", "Wayne", "Imran", "Tariq", "Kwame", "Tomasz",
        "Marek", "Darren", "Shane", "Mohammed", "Ashley", "Jason", "Gary", "Stuart", "Kieran", "Bradley", "Luke",
        "Michael", "David", "John", "Paul", "Mark", "Steven", "Christopher", "Andrew", "Matthew", "Thomas", "Joshua",
        "Jack", "Ben", "Sam", "Jake", "Harry", "George", "Oliver", "Ali", "Hassan", "Dylan", "Kai", "Mason", "Ricky",
        "Scott", "Carl", "Neil", "Robert", "Anthony", "Kevin", "Peter", "Richard", "Martin", "Shaun", "Leon", "Jermaine",
        "Tyrone", "Piotr", "Florin", "Ionut", "Arjun", "Bilal", "Omar", "Yusuf", "Declan", "Sean", "Gavin", "Ross"]
FEMALE = ["Sarah", "Chloe", "Jade", "Leanne", "Kerry", "Amy", "Stacey", "Hayley", "Danielle", "Aisha", "Gemma", "Kelly",
          "Emma", "Laura", "Rebecca", "Charlotte", "Nicola", "Lisa", "Michelle", "Samantha", "Zoe", "Natalie", "Tanya",
          "Shannon", "Courtney", "Megan", "Jodie", "Kirsty", "Fatima", "Agnieszka"]
COMMON_LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
               "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel",
               "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell", "Rose", "Davis", "Cox", "Alexander", "Morgan",
               "Hughes", "Edwards", "Hill", "Moore", "Clark", "Harrison", "Scott", "Young", "Morris", "Hussain", "Begum",
               "Kowalski", "Nowak", "Mensah", "Okoro", "Murphy", "Kelly", "Doherty", "Ward", "Turner", "Baker", "Carter",
               "Price", "Ahmed", "Ali", "Shah", "Campbell", "Stewart", "Bell", "Murray", "Reid", "Watson", "Cooper"]
_FRONT = ["Ash", "Black", "Brad", "Brook", "Bur", "Cal", "Car", "Chad", "Clay", "Cole", "Crom", "Dal", "Dun", "Fair",
          "Farn", "Gar", "Glad", "Ham", "Hart", "Hol", "Kings", "Lang", "Lind", "Mar", "Mid", "Nor", "Oak", "Pen",
          "Ray", "Red", "Ring", "Ros", "Ship", "Stan", "Sut", "Thorn", "Wal", "Wat", "Wen", "Whit", "Win", "Wood"]
_BACK = ["ley", "ton", "worth", "field", "ford", "by", "wick", "well", "man", "combe", "ham", "stead", "burn", "more",
         "dale", "hurst", "cott", "land", "shaw", "gate"]
SURNAMES = COMMON_LAST + [f + b for f, b in itertools.product(_FRONT, _BACK) if f + b not in COMMON_LAST]

# Zipf-like: the k-th surname has weight 1 / (k + 8): "Smith" about 1.3%, the tail a few per 100,000
_CUMULATIVE = list(itertools.accumulate(1 / (k + 8) for k in range(len(SURNAMES))))
_TOTAL = _CUMULATIVE[-1]


def surname(rng) -> str:
    return SURNAMES[bisect.bisect_left(_CUMULATIVE, rng.random() * _TOTAL)]
