/**
 * Given-name equivalence groups: UK/English diminutives, pet forms and spelling variants.
 *
 * Each group is a set of names that one person might plausibly be recorded under; the first
 * entry names the group. A name may sit in more than one group ("Chris" is Christine, Christina
 * and Christopher; "Jo" is Joanne, Joanna and Josephine), so lookups return every group.
 *
 * Groups deliberately stay close to real usage: linking names that are merely similar is the job
 * of the string and phonetic comparisons, and an over-broad table would make "nickname
 * equivalent" weak evidence. Spelling variants (Catherine/Katherine/Kathryn) are included because
 * their string similarity is often below the fuzzy thresholds.
 */
export const NICKNAME_GROUPS: readonly (readonly string[])[] = [
  // ---- women's names ----
  ['elizabeth', 'elisabeth', 'beth', 'bess', 'bessie', 'betty', 'bette', 'betsy', 'liz', 'lizzie', 'lizzy', 'liza', 'eliza', 'elsie', 'elspeth', 'libby', 'lisa', 'lise', 'isabel', 'ellie', 'elise', 'buffy'],
  ['isabel', 'isabelle', 'isabella', 'izzy', 'izzie', 'bella', 'belle', 'isobel', 'ishbel', 'ysabel'],
  ['katherine', 'catherine', 'kathryn', 'katharine', 'catharine', 'cathryn', 'kathrine', 'kate', 'katie', 'katy', 'kat', 'kath', 'kathy', 'cath', 'cathy', 'kitty', 'kay', 'kaye', 'cate', 'caitlin', 'caitlyn', 'katelyn', 'katrina', 'catriona', 'kathleen', 'cathleen', 'kirsty', 'kirstie', 'kristy', 'trina'],
  ['jennifer', 'jen', 'jenny', 'jenni', 'jennie', 'jenna', 'jenn', 'jemma', 'gemma'],
  ['samantha', 'sam', 'sammy', 'sammie', 'sami'],
  ['rebecca', 'rebekah', 'becky', 'becca', 'bekki', 'beckie', 'bex', 'reba'],
  ['amanda', 'mandy', 'manda', 'mandi'],
  ['margaret', 'maggie', 'mags', 'maggy', 'meg', 'megan', 'meghan', 'peggy', 'peg', 'marge', 'margie', 'margo', 'margot', 'greta', 'gretchen', 'daisy', 'maisie', 'madge', 'marguerite', 'mairead', 'rita', 'molly'],
  ['susan', 'sue', 'susie', 'suzie', 'suzy', 'susanne', 'suzanne', 'susanna', 'susannah', 'suzannah', 'sukie', 'sukey'],
  ['victoria', 'vicky', 'vicki', 'vickie', 'vikki', 'tori', 'tory', 'vic'],
  ['christine', 'christina', 'kristina', 'kristine', 'christie', 'chris', 'chrissy', 'chrissie', 'kris', 'tina', 'kirsten', 'kristen', 'kirstin'],
  ['joanne', 'joanna', 'johanna', 'joan', 'jo', 'jojo', 'jodie', 'jody', 'joann', 'joanie', 'siobhan', 'sinead'],
  ['jane', 'janey', 'janie', 'jayne', 'janet', 'janette', 'jeanette', 'jan', 'jean', 'jeanne', 'sheena', 'shona', 'janice', 'janis', 'jenny'],
  ['nicola', 'nicole', 'nichola', 'nicky', 'nicki', 'nikki', 'niki', 'nic', 'nikita', 'colette'],
  ['stephanie', 'steph', 'stef', 'steffi', 'stephie', 'stevie'],
  ['abigail', 'abby', 'abbie', 'abbey', 'abi', 'gail', 'gayle'],
  ['eleanor', 'elinor', 'eleanore', 'elenor', 'ellie', 'elly', 'ella', 'nell', 'nellie', 'nelly', 'elle', 'leonora', 'nora', 'norah', 'lena', 'helen', 'ellen'],
  ['helen', 'helena', 'ellen', 'elaine', 'eileen', 'aileen', 'eilidh', 'nell', 'lena', 'ella', 'ellie'],
  ['ella', 'ellie', 'elle', 'ellen', 'ellis'],
  ['alexandra', 'alex', 'alexa', 'alexis', 'lexi', 'lexie', 'lexy', 'sandra', 'sandy', 'sasha', 'sacha', 'alix', 'ali', 'xandra'],
  ['sandra', 'sandy', 'sandie', 'sondra', 'cassandra', 'cass'],
  ['deborah', 'debra', 'debbie', 'debby', 'deb', 'debs'],
  ['patricia', 'pat', 'patty', 'pattie', 'patsy', 'trish', 'tricia', 'trisha', 'tish'],
  ['barbara', 'barb', 'babs', 'barbie', 'bobbie'],
  ['dorothy', 'dot', 'dottie', 'dolly', 'dora', 'dorothea'],
  ['frances', 'fran', 'frankie', 'fanny', 'franny', 'francesca', 'cesca', 'chesca'],
  ['josephine', 'jo', 'josie', 'jose', 'jojo', 'posy', 'fifi'],
  ['jacqueline', 'jackie', 'jacky', 'jacqui', 'jacquie', 'jaqueline', 'jac'],
  ['caroline', 'carolyn', 'carol', 'carole', 'carrie', 'caz', 'cara', 'callie', 'carly', 'carlie', 'charlotte', 'lottie', 'lotty', 'charlie', 'lotte', 'char'],
  ['charlotte', 'lottie', 'lotty', 'charlie', 'charley', 'lotte', 'carlotta', 'tottie'],
  ['natalie', 'natalia', 'nathalie', 'natasha', 'tasha', 'tash', 'nat', 'talia', 'natalya'],
  ['lucy', 'lucie', 'lucia', 'luciana', 'lucinda', 'cindy', 'lulu', 'lou'],
  ['louise', 'louisa', 'lou', 'lulu', 'louie', 'lois', 'eloise', 'aloisia'],
  ['penelope', 'penny', 'pen', 'nell'],
  ['theresa', 'teresa', 'tess', 'tessa', 'terri', 'terry', 'tracy', 'tracey', 'tessie'],
  ['mary', 'marie', 'maria', 'mari', 'mae', 'may', 'molly', 'polly', 'moll', 'mamie', 'maureen', 'maura', 'moira', 'maire', 'mairi', 'miriam', 'mia', 'marion', 'marian', 'mariam', 'maryam', 'miri'],
  ['anne', 'ann', 'anna', 'annie', 'anya', 'anita', 'annette', 'hannah', 'nan', 'nancy', 'nanette', 'nina', 'anja', 'ania', 'aine', 'hanna', 'annabel', 'annabelle'],
  ['hannah', 'hanna', 'anna', 'annie', 'hanny'],
  ['sarah', 'sara', 'sally', 'sal', 'sadie', 'sarai', 'zara', 'sarita', 'sorcha'],
  ['rachel', 'rachael', 'raquel', 'rae', 'ray', 'shelley', 'rachelle'],
  ['emily', 'emilie', 'emilia', 'em', 'emmy', 'millie', 'milly', 'emmeline'],
  ['emma', 'em', 'emmy', 'emmie', 'emmeline'],
  ['amelia', 'amalia', 'millie', 'milly', 'mia', 'meli'],
  ['mildred', 'millie', 'milly', 'milli'],
  ['camilla', 'millie', 'milly', 'cam', 'cammie', 'milla'],
  ['amy', 'aimee', 'amie', 'aimie', 'ami'],
  ['olivia', 'olive', 'liv', 'livvy', 'livia', 'ollie', 'olly', 'via'],
  ['sophie', 'sophia', 'sofia', 'sofie', 'soph', 'sophy', 'fia'],
  ['georgina', 'georgia', 'georgie', 'george', 'gina', 'georgette', 'jorja'],
  ['jessica', 'jess', 'jessie', 'jessy', 'jessika', 'jesse'],
  ['danielle', 'daniela', 'daniella', 'dani', 'danni', 'dannie', 'ella', 'elle'],
  ['gabrielle', 'gabriella', 'gabriela', 'gabby', 'gabbie', 'gabi', 'ella', 'brie'],
  ['michelle', 'michaela', 'mikaela', 'micaela', 'shelly', 'shelley', 'mickey', 'chelle', 'mica', 'kayla'],
  ['kimberley', 'kimberly', 'kim', 'kimmy', 'kimmie'],
  ['melissa', 'mel', 'missy', 'lissa', 'mellie', 'melly'],
  ['melanie', 'mel', 'mellie', 'melly', 'melany'],
  ['christabel', 'christobel', 'bel', 'belle', 'chris', 'chrissie'],
  ['angela', 'angie', 'ange', 'angelina', 'angelica', 'angelique', 'angel'],
  ['wilhelmina', 'willa', 'mina', 'minnie', 'billie', 'wilma', 'elma'],
  ['winifred', 'winnie', 'win', 'freda', 'wyn'],
  ['florence', 'flo', 'flossie', 'florrie', 'florentina', 'floss'],
  ['gwendolyn', 'gwen', 'gwenda', 'gwendoline', 'gwyneth', 'wendy'],
  ['harriet', 'hattie', 'hatty', 'harri', 'harry', 'etta'],
  ['henrietta', 'hettie', 'hetty', 'etta', 'netta', 'henny'],
  ['antonia', 'toni', 'tonia', 'toni-ann', 'netta', 'tonya', 'tanya'],
  ['tatiana', 'tanya', 'tania', 'tonya', 'tata'],
  ['valerie', 'val', 'valeria'],
  ['veronica', 'ronnie', 'ronni', 'nicky', 'vera', 'roni'],
  ['virginia', 'ginny', 'ginnie', 'jinny', 'ginger', 'virgie'],
  ['roberta', 'bobbie', 'bobby', 'robyn', 'robin', 'bertie'],
  ['philippa', 'pippa', 'pip', 'phillipa', 'phil', 'philly'],
  ['josephine', 'josie', 'jo', 'jojo', 'jozefina', 'jozefa', 'józefa'],
  ['geraldine', 'geri', 'gerry', 'jerri', 'dina'],
  ['bernadette', 'bernie', 'detta', 'bernadine', 'bernardine'],
  ['catriona', 'catrina', 'katrina', 'trina', 'triona', 'cat'],
  ['gillian', 'jillian', 'gill', 'gilly', 'jill', 'jilly', 'gillie'],
  ['julia', 'julie', 'jules', 'juliet', 'juliette', 'julianne', 'juliana', 'julienne', 'jools'],
  ['lauren', 'laura', 'laurie', 'lori', 'lolly', 'loren', 'lora', 'laureen', 'lorraine'],
  ['lorraine', 'loraine', 'lorrie', 'lori', 'raine'],
  ['leanne', 'lee-ann', 'leeanne', 'lianne', 'lee', 'leann', 'liane'],
  ['madeleine', 'madeline', 'madelyn', 'maddie', 'maddy', 'madge', 'magdalene', 'magda', 'maud', 'lena'],
  ['matilda', 'tilly', 'tillie', 'mattie', 'maud', 'maude', 'tilda'],
  ['kerry', 'keri', 'kerri', 'kerrie', 'ceri', 'cerys'],
  ['bethany', 'beth', 'bethan', 'bethanie'],
  ['chloe', 'chloë', 'clo', 'cloe'],
  ['zoe', 'zoë', 'zoey', 'zo'],
  ['grace', 'gracie', 'gracey'],
  ['evelyn', 'evie', 'eve', 'eva', 'evelina', 'evangeline', 'ev'],
  ['lydia', 'liddy', 'lyddie'],
  ['sian', 'siân', 'shan', 'jane'],
  ['dawn', 'dawnie'],
  ['tracy', 'tracey', 'trace', 'traci'],
  ['yvonne', 'vonnie', 'evonne', 'yvette'],
  ['diane', 'diana', 'dianne', 'di', 'dee', 'deanna', 'dianna'],
  ['linda', 'lynda', 'lin', 'lindy', 'belinda', 'melinda', 'lynne', 'lyn', 'lynn'],
  ['teagan', 'tegan', 'teigan', 'teegan', 'tiegan'],
  ['leah', 'lea', 'lia', 'leia'],
  ['aisha', 'ayesha', 'aysha', 'aishah', 'asha'],
  ['fatima', 'fatimah', 'fatma', 'fati'],
  ['amina', 'aminah', 'ameena', 'mina'],
  ['agnieszka', 'aga', 'agnes', 'agata', 'nessie', 'nessa'],
  ['katarzyna', 'kasia', 'kasha', 'kate', 'katherine'],
  ['malgorzata', 'gosia', 'małgorzata', 'margaret', 'margo'],
  ['aleksandra', 'ola', 'olenka', 'alexandra'],
  ['magdalena', 'magda', 'madzia', 'madeleine'],
  ['joanna', 'asia', 'joasia'],
  ['ioana', 'ioanna', 'joanna', 'oana'],
  ['elena', 'ileana', 'lena', 'helena', 'elaine'],
  ['oluwaseun', 'seun', 'shaun'],
  ['oluwabunmi', 'bunmi'],
  ['oluwatoyin', 'toyin'],
  ['adebola', 'bola'],
  ['folasade', 'sade', 'shade', 'fola'],
  ['chioma', 'chi'],
  ['ngozi', 'ngo'],
  ['xiaoling', 'ling', 'lily'],
  ['lily', 'lilly', 'lillie', 'lil', 'lilian', 'lillian', 'liliana'],
  ['ruth', 'ruthie', 'ruthy'],
  ['alison', 'allison', 'ali', 'ally', 'allie', 'alyson'],
  ['alice', 'alicia', 'alys', 'ally', 'allie', 'ali', 'elise'],
  ['mairead', 'maighread', 'mearead', 'maggie', 'margaret'],
  ['niamh', 'neve', 'neave', 'nieve', 'neeve'],
  ['aoife', 'eva', 'eefa', 'ife'],
  ['saoirse', 'seersha', 'sorsha'],
  ['roisin', 'róisín', 'rosheen', 'rose'],
  ['rose', 'rosie', 'rosa', 'rosalind', 'rosalyn', 'rosemary', 'rosanna', 'roxanne', 'roxy', 'rosina', 'ros', 'roz'],
  ['shannon', 'shan', 'shanon'],
  ['courtney', 'kourtney', 'court'],
  ['stacey', 'stacy', 'staci', 'anastasia', 'stasia', 'tasia'],
  ['shirley', 'shirl', 'shirlie'],
  ['sharon', 'shaz', 'shaza', 'shazza', 'sharron'],
  ['tamsin', 'tamzin', 'tam', 'tammy', 'thomasina'],
  ['tabitha', 'tabby', 'tabbie'],
  // ---- men's names (partners, fathers and people of any sex on an alert) ----
  ['william', 'will', 'willie', 'willy', 'bill', 'billy', 'liam', 'wills', 'gwilym', 'wil'],
  ['robert', 'rob', 'robbie', 'robby', 'bob', 'bobby', 'bert', 'rab', 'rabbie', 'robin', 'bobbie', 'roberto'],
  ['richard', 'rich', 'richie', 'rick', 'ricky', 'dick', 'dickie', 'rico'],
  ['james', 'jim', 'jimmy', 'jamie', 'jimbo', 'jem', 'hamish', 'seamus', 'shamus', 'jay'],
  ['john', 'jack', 'johnny', 'jon', 'jonny', 'ian', 'iain', 'sean', 'shaun', 'shawn', 'evan', 'ieuan', 'euan', 'ewan', 'ivan', 'jan', 'johan', 'jonathan'],
  ['jonathan', 'jon', 'jonny', 'johnny', 'jonty', 'nathan'],
  ['michael', 'mike', 'mick', 'micky', 'mickey', 'mikey', 'mitch', 'mitchell', 'micheal', 'michal', 'mihai', 'mikhail'],
  ['christopher', 'chris', 'kit', 'kris', 'topher', 'christoph', 'krzysztof', 'cristian', 'kristof'],
  ['anthony', 'antony', 'tony', 'ant', 'anton', 'antonio', 'antoni'],
  ['thomas', 'tom', 'tommy', 'thom', 'tam', 'tomos', 'tomasz', 'tomas'],
  ['daniel', 'dan', 'danny', 'dani', 'dan', 'deiniol'],
  ['matthew', 'matt', 'matty', 'mathew', 'matthias', 'mateusz', 'mat'],
  ['andrew', 'andy', 'drew', 'andie', 'andrzej', 'andrei', 'andreas', 'dandy'],
  ['joseph', 'joe', 'joey', 'jo', 'jose', 'josef', 'jozef', 'józef', 'seph'],
  ['david', 'dave', 'davey', 'davy', 'dai', 'dafydd', 'dewi', 'dawid', 'davide'],
  ['edward', 'ed', 'eddie', 'eddy', 'ted', 'teddy', 'ned', 'neddy', 'edwin', 'edmund'],
  ['charles', 'charlie', 'chas', 'chuck', 'chaz', 'carl', 'karl', 'carlos'],
  ['henry', 'harry', 'hal', 'hank', 'henryk', 'enrique'],
  ['harold', 'harry', 'hal', 'harri'],
  ['benjamin', 'ben', 'benny', 'benji', 'benjy'],
  ['samuel', 'sam', 'sammy', 'samson'],
  ['alexander', 'alex', 'alec', 'alastair', 'alistair', 'alasdair', 'ally', 'sandy', 'sasha', 'xander', 'lex', 'aleksander', 'alexandru', 'sacha'],
  ['nicholas', 'nick', 'nicky', 'nico', 'nicol', 'colin', 'klaus', 'mikolaj', 'nicolae'],
  ['stephen', 'steven', 'steve', 'stevie', 'steph', 'stefan', 'stephan', 'stevan', 'szczepan'],
  ['peter', 'pete', 'petey', 'piotr', 'pierre', 'pedro', 'petru', 'petr'],
  ['paul', 'pauly', 'pol', 'pawel', 'paweł', 'pablo', 'paulo'],
  ['patrick', 'pat', 'paddy', 'patsy', 'padraig', 'pádraig', 'patryk'],
  ['francis', 'frank', 'frankie', 'fran', 'franciszek', 'francesco'],
  ['frederick', 'fred', 'freddie', 'freddy', 'fritz', 'rick'],
  ['gerald', 'gerard', 'gerry', 'jerry', 'ged', 'gerrard'],
  ['kenneth', 'ken', 'kenny', 'kenney'],
  ['lawrence', 'laurence', 'larry', 'laurie', 'lawrie', 'laz', 'lorenzo'],
  ['leonard', 'len', 'lenny', 'leo', 'leon', 'lennie'],
  ['raymond', 'ray', 'raymund', 'rajmund'],
  ['ronald', 'ron', 'ronnie', 'ronny', 'ranald'],
  ['donald', 'don', 'donny', 'donnie'],
  ['timothy', 'tim', 'timmy', 'timmie'],
  ['terence', 'terry', 'tel', 'terrence'],
  ['philip', 'phillip', 'phil', 'pip', 'filip'],
  ['gregory', 'greg', 'gregor', 'grzegorz'],
  ['jacob', 'jake', 'jakub', 'kuba', 'jacques', 'jack'],
  ['joshua', 'josh', 'joss'],
  ['nathaniel', 'nathan', 'nat', 'nate', 'natty'],
  ['zachary', 'zach', 'zack', 'zak'],
  ['oliver', 'ollie', 'olly', 'noll'],
  ['archibald', 'archie', 'archy', 'baldie'],
  ['alfred', 'alf', 'alfie', 'fred', 'freddie'],
  ['albert', 'al', 'albie', 'bert', 'bertie'],
  ['mohammed', 'muhammad', 'mohammad', 'mohamed', 'muhammed', 'mohamad', 'mahomed', 'mohd', 'mo', 'moe', 'hamid', 'hamoudi'],
  ['abdullah', 'abdallah', 'abdulla', 'abdul'],
  ['ahmed', 'ahmad', 'ahmet', 'ahmedi'],
  ['hussain', 'hussein', 'husain', 'hossein', 'husein'],
  ['gurpreet', 'preet', 'gurpreeta'],
  ['oluwadamilare', 'dami', 'damilare'],
  ['chukwuemeka', 'emeka', 'chuka'],
  ['abdirahman', 'abdi', 'abdirahmaan'],
  ['wojciech', 'wojtek', 'voytek'],
  ['aleksander', 'olek', 'alek', 'alexander'],
  ['gheorghe', 'george', 'gica', 'jorge', 'jerzy', 'georgiy', 'geordie'],
  ['ionut', 'ion', 'ionel', 'john'],
  ['vasile', 'vasi', 'basil'],
  ['connor', 'conor', 'conner', 'con', 'conn'],
  ['declan', 'dec', 'deccy'],
  ['dylan', 'dillon', 'dilan'],
  ['evan', 'ewan', 'euan', 'ieuan', 'iwan'],
  ['gareth', 'gaz', 'gary', 'garry', 'gaz'],
  ['lewis', 'louis', 'lou', 'luis', 'luigi', 'ludovic', 'llywelyn', 'lew'],
  ['rhys', 'reece', 'reese', 'rees', 'reiss'],
  ['callum', 'calum', 'cal', 'colm', 'columba'],
  ['hugh', 'hughie', 'huw', 'hugo', 'hew'],
  ['owen', 'owain', 'eoin', 'ewan'],
  ['ciaran', 'kieran', 'kieron', 'ciarán', 'keiran'],
  ['darren', 'daz', 'dazza', 'darrin', 'daryn'],
  ['kevin', 'kev', 'kevvy', 'caoimhin'],
  ['martin', 'marty', 'mart', 'martyn', 'marcin'],
  ['simon', 'si', 'simeon', 'szymon'],
  ['ashley', 'ash', 'ashleigh', 'ashlee', 'ashlie'],
  ['jordan', 'jord', 'jordy', 'jordon'],
  ['tyler', 'ty', 'tye'],
  ['bradley', 'brad', 'bradly'],
  ['jason', 'jase', 'jay', 'jayson'],
];

/** Map from a normalised name to the index (into NICKNAME_GROUPS) of every group it belongs to. */
const GROUPS_BY_NAME: ReadonlyMap<string, readonly number[]> = (() => {
  const m = new Map<string, number[]>();
  NICKNAME_GROUPS.forEach((group, gi) => {
    for (const raw of group) {
      // Table entries are stored as people write them; match them in the normalised form the rest
      // of the matcher uses (lower case, no diacritics, letters only).
      const name = raw
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .replace(/ł/g, 'l')
        .replace(/[^a-z]/g, '');
      if (!name) continue;
      const list = m.get(name);
      if (!list) m.set(name, [gi]);
      else if (!list.includes(gi)) list.push(gi);
    }
  });
  return m;
})();

const NO_GROUPS: readonly number[] = [];

/** Every nickname group a (normalised) given name belongs to; empty if it is in no group. */
export function nicknameGroups(normalisedName: string): readonly number[] {
  return GROUPS_BY_NAME.get(normalisedName) ?? NO_GROUPS;
}

/** The name that heads a group, e.g. "elizabeth" for the Beth/Liz/Betty group. */
export function nicknameGroupName(group: number): string {
  return NICKNAME_GROUPS[group]?.[0] ?? '';
}

/**
 * True when two normalised given names are known forms of the same name (Beth and Elizabeth;
 * Kate and Catherine). Identical names are not "nickname equivalent": the caller handles exact
 * matches first.
 */
export function areNicknameEquivalent(a: string, b: string): boolean {
  if (a === b) return false;
  const ga = nicknameGroups(a);
  if (ga.length === 0) return false;
  const gb = nicknameGroups(b);
  for (const g of ga) if (gb.includes(g)) return true;
  return false;
}
